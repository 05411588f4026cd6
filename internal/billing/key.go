package billing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ParsePrivateKey reads the EC P-256 key used for private_key_jwt: a PEM
// block ("PRIVATE KEY" PKCS#8 or "EC PRIVATE KEY" SEC 1), or the base64 of
// a PKCS#8 DER. Errors never quote the key material.
func ParsePrivateKey(s string) (*ecdsa.PrivateKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("the private key is empty")
	}
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		switch block.Type {
		case "PRIVATE KEY", "EC PRIVATE KEY":
		default:
			return nil, fmt.Errorf("a PEM block of type %q is not a private key; expected \"PRIVATE KEY\" (PKCS#8)", block.Type)
		}
		der = block.Bytes
	} else {
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, errors.New("the private key is neither PEM nor base64-encoded DER")
		}
		der = b
	}
	var key any
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		ec, ecErr := x509.ParseECPrivateKey(der)
		if ecErr != nil {
			return nil, errors.New("the private key is not a PKCS#8 or SEC 1 EC private key")
		}
		key = ec
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the private key is a %T, not an EC key; ES256 needs an EC P-256 key", key)
	}
	if ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("the private key is on curve %s; ES256 needs P-256", ec.Curve.Params().Name)
	}
	return ec, nil
}
