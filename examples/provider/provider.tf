terraform {
  required_providers {
    talkdesk = {
      source = "talkdesk/talkdesk"
    }
  }
}

# Client credentials (OAuth 2.0 client_credentials grant). Leave the secret out
# of the configuration and set it in the environment instead:
#
#   export TALKDESK_ACCOUNT_NAME=acme
#   export TALKDESK_CLIENT_ID=...
#   export TALKDESK_CLIENT_SECRET=...
#
# Every attribute is optional and falls back to its TALKDESK_* variable, so
# `provider "talkdesk" {}` is enough when the environment is set.
provider "talkdesk" {
  account_name = "acme" # token URL https://acme.talkdeskid.com/oauth/token
  region       = "us"   # us (default), eu, ca or au
  client_id    = var.talkdesk_client_id
  # client_secret from TALKDESK_CLIENT_SECRET
}

# Signed JWT client authentication (private_key_jwt), required for apps listed
# in Talkdesk AppConnect: the provider signs a fresh ES256 assertion with the
# EC P-256 key for every token request. Set TALKDESK_PRIVATE_KEY (PKCS#8 PEM)
# and TALKDESK_KEY_ID, or:
#
# provider "talkdesk" {
#   account_name = "acme"
#   client_id    = var.talkdesk_client_id
#   private_key  = file("${path.module}/talkdesk-app.pem")
#   key_id       = "c1b2c3d4"
# }

# A ready bearer token (TALKDESK_ACCESS_TOKEN) instead of client credentials;
# it cannot be renewed, so runs fail once it expires (10 minutes):
#
# provider "talkdesk" {
#   access_token = var.talkdesk_access_token
# }

variable "talkdesk_client_id" {
  type        = string
  description = "OAuth client id of the Talkdesk app with the express-*:read scopes."
}
