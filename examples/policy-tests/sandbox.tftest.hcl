# This configuration, applied against the sandbox serving
# fixtures/contracts.json: real reads through the provider, real contracts
# grouped from the fixture's lines, the policy's verdict on each. The
# fixture's dates are relative to the moment the sandbox starts, so the
# suite means the same thing on any day. Start the sandbox first:
#
#   talkdesk-sandbox -fixture fixtures/contracts.json -env-file talkdesk.env &
#   . ./talkdesk.env && terraform test
#
# The fixture's three instances:
#   Acme Retail   contract 00021679 (2 lines) ends in 30 days, no auto-renewal: breaks the policy
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

  # ...and names the contract once, however many lines it has.
  assert {
    condition     = jsonencode(output.violations) == jsonencode(["00021679"])
    error_message = "Acme Retail's contract 00021679 ends in 30 days without auto-renewal: the policy must report it once, got ${jsonencode(output.violations)}."
  }
  assert {
    condition     = startswith(module.end_date_policy.message, "1 activated contract(s) end within 60 days without auto-renewal:\n")
    error_message = "Unexpected message: ${module.end_date_policy.message}"
  }
  # What the provider read: one contract of that account, both lines in it.
  assert {
    condition = jsonencode([for c in data.talkdesk_contracts.ending.contracts : [c.account_id, c.contract_number, c.auto_renewal, c.lines[*].id]]) == jsonencode([
      ["5ea75fe7aa224700012eae40", "00021679", false, ["8f3e643c16671acaf60e8bceddbc1802", "8f3e643c16671acaf60e8bceddbc1801"]],
    ])
    error_message = "The provider must return Acme Retail's one contract with its two lines (sorted by product_id), auto_renewal = false; got ${jsonencode(data.talkdesk_contracts.ending.contracts)}."
  }
}

run "renewed_contract_passes" {
  command = apply

  variables {
    account_ids = ["5ea75fe7aa224700012eae41"] # Globex Health
  }

  assert {
    condition     = length(output.violations) == 0
    error_message = "Globex Health's contract was renewed and ends after the window, yet the policy reports ${jsonencode(output.violations)}."
  }
}

run "auto_renewing_contract_passes" {
  command = apply

  variables {
    account_ids = ["5ea75fe7aa224700012eae42"] # Initech
  }

  assert {
    condition     = jsonencode(data.talkdesk_contracts.ending.contracts[*].contract_number) == jsonencode(["00021681"])
    error_message = "Initech's contract ends inside the window: the provider must return it."
  }
  assert {
    condition     = length(output.violations) == 0
    error_message = "Initech's contract renews automatically, yet the policy reports ${jsonencode(output.violations)}."
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
    condition     = jsonencode(output.violations) == jsonencode(["00021680"])
    error_message = "Over 500 days, Globex Health's contract (no auto-renewal) must be reported."
  }
}
