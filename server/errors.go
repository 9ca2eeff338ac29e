package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labd/labd/store"
)

// Sentinel errors handlers return; httpStatus maps them to status codes.
var (
	errNotFound      = errors.New("not found")
	errUnauthorized  = errors.New("please sign in")
	errForbidden     = errors.New("forbidden")
	errBadRequest    = errors.New("bad request")
	errNoSandboxes   = errors.New("sandboxes are not available on this server")
	errTooMany       = errors.New("too many requests")
	errNoMoreHints   = errors.New("there are no more hints for this exercise")
	errRegistrationC = errors.New("registration is closed")
)

// userError is an error whose message is safe and useful to show as is.
type userError struct {
	status int
	msg    string
}

func (e *userError) Error() string { return e.msg }

// userErrorf makes an error shown to the user with the given status.
func userErrorf(status int, msg string) error { return &userError{status: status, msg: msg} }

// httpStatus maps an error to a status code and a plain message for the
// user. Anything unexpected is a 500 with a generic message; the caller logs
// the real error.
func httpStatus(err error) (int, string) {
	var ue *userError
	switch {
	case errors.As(err, &ue):
		return ue.status, ue.msg
	case errors.Is(err, errNotFound), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "Not found."
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized, "Please sign in."
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, "Forbidden."
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, "Bad request."
	case errors.Is(err, errNoSandboxes):
		return http.StatusServiceUnavailable, "Sandboxes are not available on this server."
	case errors.Is(err, errTooMany):
		return http.StatusTooManyRequests, "Too many requests; wait a moment and try again."
	case errors.Is(err, errNoMoreHints):
		return http.StatusConflict, "There are no more hints for this exercise."
	case errors.Is(err, errRegistrationC):
		return http.StatusForbidden, "Registration is closed."
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "That took too long; try again."
	case errors.Is(err, context.Canceled):
		return 499, "Request cancelled."
	}
	return http.StatusInternalServerError, "Something went wrong on the server; it has been logged."
}

// fail logs an unexpected error and writes it as an HTML error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := s.logStatus(r, err)
	s.renderError(w, r, status, msg)
}

// failJSON is fail for the JSON API: {"error": "…"}.
func (s *Server) failJSON(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := s.logStatus(r, err)
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Server) logStatus(r *http.Request, err error) (int, string) {
	status, msg := httpStatus(err)
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", requestID(r.Context()), "err", err)
	}
	return status, msg
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
