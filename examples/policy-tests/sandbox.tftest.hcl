# This configuration, applied against the sandbox serving
# fixtures/contracts.json: real reads through the provider, real contract
# lines, the policy's verdict on each. The fixture's dates are relative to
# the moment the sandbox starts, so the suite means the same thing on any
# day. Start the sandbox first:
#
#   talkdesk-sandbox -fixture fixtures/contracts.json -env-file talkdesk.env &
#   . ./talkdesk.env && terraform test
#
# The fixture's three instances:
#   Acme Retail   contract 00021679 ends in 30 days, no auto-renewal: breaks the policy
#   Globex Health contract 00021680 was renewed: it ends in 13 months
#   Initech       contract 00021681 ends in 30 days and renews automatically

variables {
  days = 60
}

run "expiring_contract_fails_the_policy" {
  command = apply

  variables {
    account_ids = ["5ea75fe7aa224700012eae40"] # Acme Retail
  }

  # The policy fails...
  expect_failures = [check.contract_end_dates]


  # ...and names the contract, read from the provider.
  assert {
    condition     = jsonencode(output.violating_contracts) == jsonencode(["00021679"])
    error_message = "Acme Retail's contract 00021679 ends in 30 days without auto-renewal: the policy must report it, got ${jsonencode(output.violating_contracts)}."
  }
  assert {
    condition = toset(output.violations) == toset([
      "8f3e643c16671acaf60e8bceddbc1801", "8f3e643c16671acaf60e8bceddbc1802",
    ])
    error_message = "Both lines of contract 00021679 break the policy."
  }
  assert {
    condition     = alltrue([for s in data.talkdesk_subscriptions.ending.subscriptions : s.auto_renewal == false && s.account_id == "5ea75fe7aa224700012eae40"])
    error_message = "The provider returned lines of another account, or a wrong auto_renewal."
  }
}

run "renewed_contract_passes" {
  command = apply

  variables {
    account_ids = ["5ea75fe7aa224700012eae41"] # Globex Health
  }

  assert {
    condition     = length(output.violating_contracts) == 0
    error_message = "Globex Health's contract was renewed and ends after the window, yet the policy reports ${jsonencode(output.violating_contracts)}."
  }
}

run "auto_renewing_contract_passes" {
  command = apply

  variables {
    account_ids = ["5ea75fe7aa224700012eae42"] # Initech
  }

  assert {
    condition     = length(data.talkdesk_subscriptions.ending.subscriptions) == 1
    error_message = "Initech's line ends inside the window: the provider must return it."
  }
  assert {
    condition     = length(output.violating_contracts) == 0
    error_message = "Initech's contract renews automatically, yet the policy reports ${jsonencode(output.violating_contracts)}."
  }
}

run "a_longer_window_catches_the_renewed_contract" {
  command = apply

  variables {
    account_ids = ["5ea75fe7aa224700012eae41"] # Globex Health
    days        = 500
  }

  expect_failures = [check.contract_end_dates]


  assert {
    condition     = jsonencode(output.violating_contracts) == jsonencode(["00021680"])
    error_message = "Over 500 days, Globex Health's contract (no auto-renewal) must be reported."
  }
}
