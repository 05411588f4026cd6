# Unit tests of the end-date policy module: no provider, no credentials.
# Each run plans ./end-date-policy with hand-written contract lines and a
# fixed clock, and asserts on the verdict it computes. (sandbox.tftest.hcl
# tests the whole configuration, enforcement included, against the sandbox.)

variables {
  now  = "2030-01-01T00:00:00Z"
  days = 60
}

run "auto_renewing_line_passes" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    subscriptions = [
      { id = "a", status = "ACTIVATED", end_date = "2030-01-15T00:00:00.000Z", auto_renewal = true },
    ]
  }
  assert {
    condition     = length(output.violations) == 0 && output.message == ""
    error_message = "An auto-renewing line must pass."
  }
}

run "line_ending_in_window_without_auto_renewal_fails" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    subscriptions = [
      { id = "a", status = "ACTIVATED", end_date = "2030-01-15T00:00:00.000Z", auto_renewal = true },
      { id = "b", status = "ACTIVATED", end_date = "2030-02-01T00:00:00.000Z", auto_renewal = false, contract_number = "00000042" },
    ]
  }
  assert {
    condition     = jsonencode(output.violations) == jsonencode(["b"]) && jsonencode(output.contracts) == jsonencode(["00000042"])
    error_message = "Only line b (contract 00000042) breaks the policy."
  }
  assert {
    condition     = startswith(output.message, "1 activated contract line(s) end within 60 days without auto-renewal:\n2030-02-01T00:00:00.000Z  account ? contract 00000042 line b")
    error_message = "Unexpected message: ${output.message}"
  }
}

run "unset_auto_renewal_fails" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    subscriptions = [
      { id = "c", status = "ACTIVATED", end_date = "2030-02-01T00:00:00.000Z", auto_renewal = null },
    ]
  }
  assert {
    condition     = jsonencode(output.violations) == jsonencode(["c"]) && jsonencode(output.contracts) == jsonencode(["?"])
    error_message = "A line without auto_renewal breaks the policy."
  }
}

run "line_ending_after_the_window_passes" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    subscriptions = [
      { id = "d", status = "ACTIVATED", end_date = "2030-03-15T00:00:00.000Z", auto_renewal = false },
    ]
  }
  assert {
    condition     = length(output.violations) == 0
    error_message = "A line ending after now + days must pass."
  }
}

run "longer_window_catches_it" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    days = 90
    subscriptions = [
      { id = "d", status = "ACTIVATED", end_date = "2030-03-15T00:00:00.000Z", auto_renewal = false },
    ]
  }
  assert {
    condition     = jsonencode(output.violations) == jsonencode(["d"])
    error_message = "Over 90 days, line d breaks the policy."
  }
}

run "ended_and_inactive_lines_are_ignored" {
  command = plan
  module {
    source = "./end-date-policy"
  }
  variables {
    subscriptions = [
      { id = "e", status = "ACTIVATED", end_date = "2029-12-01T00:00:00.000Z", auto_renewal = false },
      { id = "f", status = "OTHER", end_date = "2030-01-15T00:00:00.000Z", auto_renewal = false },
      { id = "g", status = "ACTIVATED", end_date = null, auto_renewal = false },
    ]
  }
  assert {
    condition     = length(output.violations) == 0
    error_message = "Ended, non-activated and undated lines are outside the policy."
  }
}
