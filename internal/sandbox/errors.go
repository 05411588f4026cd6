package sandbox

import (
	"encoding/json"
	"net/http"
)

// apiError is the error body of the /express endpoints, as documented:
// code and message always, description and fields when there is something
// to say.
type apiError struct {
	Code        string       `json:"code"`
	Message     string       `json:"message"`
	Description string       `json:"description,omitempty"`
	Fields      []fieldError `json:"fields,omitempty"`
}

// fieldError names one offending request parameter.
type fieldError struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Error codes. 1000-1003 follow the documented examples; the others are the
// sandbox's own choice, since the contract documents no body for them.
const (
	codeBadRequest   = "1000"
	codeUnauthorized = "1001"
	codeForbidden    = "1002" // accounts not under the organization
	codeScope        = "1003" // token lacks the endpoint's scope
	codeNotFound     = "1004"
	codeMethod       = "1005"
	codeTooMany      = "1029"
	codeInternal     = "1500"
	codeUnavailable  = "1503"
)

// oauthError is the token endpoint's error body (RFC 6749 section 5.2).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// writeJSON sends v as the JSON body with the given status. Encoding
// streams straight into the response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeAPIError sends an /express error body and returns status, so that a
// handler can "return writeAPIError(...)".
func writeAPIError(w http.ResponseWriter, status int, e apiError) int {
	writeJSON(w, status, e)
	return status
}
