# Unit tests of the end-date policy module: no provider, no credentials.
# Each run plans ./end-date-policy with hand-written contracts (the
# attributes of talkdesk_contracts it reads) and a fixed clock, and asserts
# on the verdict it computes. (sandbox.tftest.hcl tests the whole
# configuration, enforcement included, against the sandbox.)

variables {
  now  = "2030-01-01T00:00:00Z"
  days = 60
}

run "auto_renewing_contract_passes" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    contracts = [
      { contract_number = "00000041", status = "ACTIVATED", end_date = "2030-01-15T00:00:00.000Z", auto_renewal = true },
    ]
  }
  assert {
    condition     = length(output.violations) == 0 && output.message == ""
    error_message = "An auto-renewing contract must pass."
  }
}

run "contract_ending_in_window_without_auto_renewal_fails" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    contracts = [
      { contract_number = "00000041", status = "ACTIVATED", end_date = "2030-01-15T00:00:00.000Z", auto_renewal = true },
      {
        contract_number = "00000042", status = "ACTIVATED", end_date = "2030-02-01T00:00:00.000Z", auto_renewal = false,
        account_id      = "5ea75fe7aa224700012eae40",
        lines           = [{ product_id = "TD-LIC-APP-RC-101910" }, { product_id = "TD-LIC-CXC-RC-101977" }],
      },
    ]
  }
  assert {
    condition     = jsonencode(output.violations) == jsonencode(["00000042"])
    error_message = "Only contract 00000042 breaks the policy, once however many lines it has; got ${jsonencode(output.violations)}."
  }
  assert {
    condition     = output.message == "1 activated contract(s) end within 60 days without auto-renewal:\n2030-02-01T00:00:00.000Z  account 5ea75fe7aa224700012eae40 contract 00000042, 2 line(s): TD-LIC-APP-RC-101910, TD-LIC-CXC-RC-101977, auto_renewal = false"
    error_message = "Unexpected message: ${output.message}"
  }
}

run "unset_auto_renewal_fails" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    # Null: not set, or the contract's lines disagree on it.
    contracts = [
      { contract_number = "00000043", status = "ACTIVATED", end_date = "2030-02-01T00:00:00.000Z", auto_renewal = null },
    ]
  }
  assert {
    condition     = jsonencode(output.violations) == jsonencode(["00000043"]) && endswith(output.message, "contract 00000043, 0 line(s): , auto_renewal = null")
    error_message = "A contract without auto_renewal breaks the policy; got ${jsonencode(output.violations)}, ${output.message}"
  }
}

run "contract_ending_at_or_after_the_window_end_passes" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    # The window is open: a contract ending exactly now + 60 days is outside it.
    contracts = [
      { contract_number = "00000044", status = "ACTIVATED", end_date = "2030-03-15T00:00:00.000Z", auto_renewal = false },
      { contract_number = "00000050", status = "ACTIVATED", end_date = "2030-03-02T00:00:00.000Z", auto_renewal = false },
    ]
  }
  assert {
    condition     = length(output.violations) == 0
    error_message = "A contract ending at or after now + days must pass; got ${jsonencode(output.violations)}."
  }
}

run "longer_window_catches_it" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    days = 90
    contracts = [
      { contract_number = "00000045", status = "ACTIVATED", end_date = "2030-03-15T00:00:00.000Z", auto_renewal = false },
      { contract_number = "00000044", status = "activated", end_date = "2030-03-01T00:00:00.000Z", auto_renewal = false },
    ]
  }
  assert {
    condition     = jsonencode(output.violations) == jsonencode(["00000044", "00000045"])
    error_message = "Over 90 days, contracts 00000044 and 00000045 break the policy (sorted); got ${jsonencode(output.violations)}."
  }
}

run "ended_inactive_and_undated_contracts_are_ignored" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    contracts = [
      { contract_number = "00000046", status = "ACTIVATED", end_date = "2029-12-01T00:00:00.000Z", auto_renewal = false },
      { contract_number = "00000051", status = "ACTIVATED", end_date = "2030-01-01T00:00:00.000Z", auto_renewal = false },
      { contract_number = "00000047", status = "OTHER", end_date = "2030-01-15T00:00:00.000Z", auto_renewal = false },
      { contract_number = "00000048", status = "ACTIVATED", end_date = null, auto_renewal = false },
      { contract_number = "00000049", status = null, end_date = "2030-01-15T00:00:00.000Z", auto_renewal = false },
    ]
  }
  assert {
    condition     = length(output.violations) == 0
    error_message = "Ended (now included), non-activated and undated contracts (a null status or end_date: the lines disagree) are outside the policy."
  }
}
