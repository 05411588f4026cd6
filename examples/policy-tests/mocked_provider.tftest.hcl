# Plans the whole configuration against a mocked talkdesk provider: no
# credentials, no API calls. It checks the window the configuration asks the
# provider for and that the policy passes when no line is returned.
#
# Terraform (up to at least 1.16) cannot fill a list nested attribute such as
# `subscriptions` from mock values (hashicorp/terraform#38369: "expected object
# type, found tuple"), so the mocked data source returns no lines and the
# policy's own cases are in end_date_policy.tftest.hcl.

mock_provider "talkdesk" {
  mock_data "talkdesk_subscriptions" {
    defaults = {}
  }
}

variables {
  now  = "2030-01-01T00:00:00Z"
  days = 30
}

run "asks_for_activated_lines_in_the_window" {
  command = plan

  assert {
    condition     = data.talkdesk_subscriptions.ending.status == "ACTIVATED"
    error_message = "The policy reads activated lines only."
  }
  assert {
    condition     = data.talkdesk_subscriptions.ending.ends_after == "2030-01-01T00:00:00Z"
    error_message = "The window must start at var.now."
  }
  assert {
    condition     = data.talkdesk_subscriptions.ending.ends_before == "2030-01-31T00:00:00Z"
    error_message = "The window must end var.days days after var.now."
  }
}

run "no_lines_pass" {
  command = plan

  assert {
    condition     = length(output.violations) == 0
    error_message = "No contract line, no violation."
  }
}
