package billing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzParsePrivateKey: arbitrary key text never panics, an accepted key is
// always a P-256 key that signs a verifiable ES256 assertion, and an error
// never quotes the input (it may be a secret).
func FuzzParsePrivateKey(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		f.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	f.Add(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})))
	f.Add(base64.StdEncoding.EncodeToString(der))
	f.Add("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
	f.Add("secret-looking-text-0123456789")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePrivateKey(s)
		if err != nil {
			if trimmed := strings.TrimSpace(s); len(trimmed) >= 8 && strings.Contains(err.Error(), trimmed) {
				t.Fatalf("the error quotes the key text: %v", err)
			}
			return
		}
		if k.Curve != elliptic.P256() {
			t.Fatalf("accepted a key on %s", k.Curve.Params().Name)
		}
		signer := jwtSigner{key: Config{ClientID: "c", KeyID: "k", PrivateKey: k}, tokenURL: "https://id.example.com/oauth/token"}
		signed, err := signer.sign()
		if err != nil {
			t.Fatalf("signing with an accepted key: %v", err)
		}
		claims := jwt.RegisteredClaims{}
		parsed, err := jwt.ParseWithClaims(signed, &claims, func(*jwt.Token) (any, error) { return &k.PublicKey, nil },
			jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("https://id.example.com/oauth/token"), jwt.WithIssuer("c"), jwt.WithSubject("c"))
		if err != nil || !parsed.Valid || parsed.Header["kid"] != "k" || claims.ID == "" {
			t.Fatalf("the assertion does not verify: %v", err)
		}
		if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life <= 0 || life > 5*60*1e9 {
			t.Fatalf("assertion lifetime %v; want within 5 minutes", life)
		}
	})
}
