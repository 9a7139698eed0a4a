// Package graphfake is a Microsoft Graph presence service for tests: the
// Microsoft identity platform's client-credentials token endpoint and
// getPresencesByUserId, in their documented shapes, on an httptest server
// that serves as both authority_url and graph_url.
package graphfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The tenant, application and secret the server accepts.
const (
	Tenant   = "contoso.onmicrosoft.com"
	ClientID = "11111111-2222-3333-4444-555555555555"
	Secret   = "s3cret"
)

// Server grants the token "tok" to a token request with Secret (else 401)
// and answers a presence request bearing it with each requested id's
// availability and activity (400 for anything else, or an unknown id).
type Server struct {
	*httptest.Server
	presence map[string][2]string
}

// Start serves until the test ends; presence maps a Graph user id to its
// availability and activity.
func Start(t testing.TB, presence map[string][2]string) *Server {
	s := &Server{presence: presence}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /"+Tenant+"/oauth2/v2.0/token", s.token)
	mux.HandleFunc("POST /v1.0/communications/getPresencesByUserId", s.presences)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("client_id") != ClientID || r.FormValue("client_secret") != Secret {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	_, _ = fmt.Fprint(w, `{"token_type":"Bearer","expires_in":3599,"access_token":"tok"}`)
}

func (s *Server) presences(w http.ResponseWriter, r *http.Request) {
	var b struct {
		IDs []string `json:"ids"`
	}
	if r.Header.Get("Authorization") != "Bearer tok" || json.NewDecoder(r.Body).Decode(&b) != nil || len(b.IDs) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	out := make([]map[string]string, 0, len(b.IDs))
	for _, id := range b.IDs {
		p, ok := s.presence[id]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		out = append(out, map[string]string{"id": id, "availability": p[0], "activity": p[1]})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"value": out})
}
