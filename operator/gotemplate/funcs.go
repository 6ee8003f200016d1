package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
	gopkcs12 "software.sslmate.com/src/go-pkcs12"
)

// funcMap is ESO's template v2 function set: sprig's text functions without env and
// expandenv (as ESO), plus ESO's own. getHostByName is removed too: it would be a DNS
// lookup, and the module has no network.
var funcMap = func() template.FuncMap {
	m := sprig.TxtFuncMap()
	for _, name := range []string{"env", "expandenv", "getHostByName"} {
		delete(m, name)
	}
	for name, fn := range bounded {
		m[name] = fn
	}
	for name, fn := range esoFuncs {
		m[name] = fn
	}
	for name, fn := range strict {
		m[name] = fn
	}
	return m
}()

// strict replaces sprig functions that turn bad input into output: sprig's b64dec returns
// the decoder's error text as the value, which would be written into the Secret as if it
// were the secret. Here it fails the template instead (the message names no value).
var strict = template.FuncMap{
	"b64dec": func(s string) (string, error) {
		data, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "", errors.New("the input is not valid base64")
		}
		return string(data), nil
	},
}

var esoFuncs = template.FuncMap{
	"pkcs12key":                 pkcs12key,
	"pkcs12keyPass":             pkcs12keyPass,
	"pkcs12cert":                pkcs12cert,
	"pkcs12certPass":            pkcs12certPass,
	"pemToPkcs12":               pemToPkcs12,
	"pemToPkcs12Pass":           pemToPkcs12Pass,
	"fullPemToPkcs12":           fullPemToPkcs12,
	"fullPemToPkcs12Pass":       fullPemToPkcs12Pass,
	"pemTruststoreToPKCS12":     func(certs string) (string, error) { return truststoreToPkcs12(certs, "") },
	"pemTruststoreToPKCS12Pass": truststoreToPkcs12,
	"filterPEM":                 filterPEM,
	"filterCertChain":           filterCertChain,
	"jwkPublicKeyPem":           jwkPublicKeyPem,
	"jwkPrivateKeyPem":          jwkPrivateKeyPem,
	"toYaml":                    toYAML,
	"fromYaml":                  fromYAML,
}

// ---------------------------------------------------------------- bounds
//
// Functions whose count argument allocates: capped so one template cannot ask for gigabytes
// before the host's deadline stops it. The cap is far above anything a Secret can hold.
const maxCount = 1 << 20

func checkCount(name string, n int) error {
	if n > maxCount {
		return fmt.Errorf("%s: %d is more than the %d this engine allows", name, n, maxCount)
	}
	return nil
}

var sprigFuncs = sprig.TxtFuncMap()

var bounded = template.FuncMap{
	"repeat": func(count int, str string) (string, error) {
		if err := checkCount("repeat", count*len(str)); err != nil {
			return "", err
		}
		return strings.Repeat(str, max(count, 0)), nil
	},
	"until": func(count int) ([]int, error) {
		if err := checkCount("until", count); err != nil {
			return nil, err
		}
		return sprigFuncs["until"].(func(int) []int)(count), nil
	},
	"untilStep": func(start, stop, step int) ([]int, error) {
		if step != 0 {
			if n := (stop - start) / step; n > maxCount {
				return nil, checkCount("untilStep", n)
			}
		}
		return sprigFuncs["untilStep"].(func(int, int, int) []int)(start, stop, step), nil
	},
	"randAlphaNum": boundedRand("randAlphaNum"),
	"randAlpha":    boundedRand("randAlpha"),
	"randNumeric":  boundedRand("randNumeric"),
	"randAscii":    boundedRand("randAscii"),
	"randBytes": func(count int) (string, error) {
		if err := checkCount("randBytes", count); err != nil {
			return "", err
		}
		return sprigFuncs["randBytes"].(func(int) (string, error))(count)
	},
	"indent": func(spaces int, v string) (string, error) {
		if err := checkCount("indent", spaces*(strings.Count(v, "\n")+1)); err != nil {
			return "", err
		}
		return sprigFuncs["indent"].(func(int, string) string)(spaces, v), nil
	},
	"nindent": func(spaces int, v string) (string, error) {
		if err := checkCount("nindent", spaces*(strings.Count(v, "\n")+1)); err != nil {
			return "", err
		}
		return sprigFuncs["nindent"].(func(int, string) string)(spaces, v), nil
	},
}

func boundedRand(name string) func(int) (string, error) {
	fn := sprigFuncs[name].(func(int) string)
	return func(count int) (string, error) {
		if err := checkCount(name, count); err != nil {
			return "", err
		}
		return fn(count), nil
	}
}

// ---------------------------------------------------------------- YAML (as ESO)

func toYAML(v any) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(str string) map[string]any {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// ---------------------------------------------------------------- PEM

func encodePEM(kind string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}))
}

func filterPEM(pemType, input string) (string, error) {
	data := []byte(input)
	var blocks []byte
	var rest []byte
	for {
		var block *pem.Block
		block, rest = pem.Decode(data)
		data = rest
		if block == nil {
			break
		}
		if strings.EqualFold(block.Type, pemType) {
			blocks = append(blocks, pem.EncodeToMemory(block)...)
		}
	}
	if len(blocks) == 0 && len(rest) != 0 {
		return "", errors.New("error filtering pem: found junk")
	}
	return string(blocks), nil
}

// filterCertChain picks certificates of a chain: "leaf", "intermediate" or "root".
func filterCertChain(certType, input string) (string, error) {
	var leaf, root []byte
	var intermediate []byte
	data := []byte(input)
	for {
		block, rest := pem.Decode(data)
		data = rest
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return "", err
		}
		encoded := pem.EncodeToMemory(block)
		switch {
		case bytes.Equal(cert.RawIssuer, cert.RawSubject):
			root = append(root, encoded...)
		case cert.IsCA:
			intermediate = append(intermediate, encoded...)
		default:
			leaf = append(leaf, encoded...)
		}
	}
	switch strings.ToLower(certType) {
	case "leaf":
		return string(leaf), nil
	case "intermediate":
		return string(intermediate), nil
	case "root":
		return string(root), nil
	}
	return "", fmt.Errorf("filterCertChain: unknown certificate type %q (use leaf, intermediate or root)", certType)
}

// orderChain puts a chain in leaf -> intermediates -> root order by key identifiers; it fails
// (and the caller keeps the original order) when there is not exactly one leaf.
func orderChain(certs []*x509.Certificate) ([]*x509.Certificate, error) {
	parent := make([]int, len(certs))
	isParent := make([]bool, len(certs))
	for i := range certs {
		parent[i] = -1
		for j := range certs {
			if i != j && bytes.Equal(certs[i].AuthorityKeyId, certs[j].SubjectKeyId) {
				parent[i] = j
				isParent[j] = true
				break
			}
		}
	}
	leaf := -1
	for i := range certs {
		if !isParent[i] {
			if leaf >= 0 {
				return nil, errors.New("found multiple leaf or disjunct certificates")
			}
			leaf = i
		}
	}
	if leaf < 0 {
		return nil, errors.New("no leaf certificate found")
	}
	var out []*x509.Certificate
	for i := leaf; i >= 0; i = parent[i] {
		if len(out) >= len(certs) {
			return nil, errors.New("constructing chain resulted in cycle")
		}
		out = append(out, certs[i])
	}
	return out, nil
}

// ---------------------------------------------------------------- PKCS#12

func pkcs12key(input string) (string, error) { return pkcs12keyPass("", input) }

func pkcs12keyPass(pass, input string) (string, error) {
	key, _, _, err := gopkcs12.DecodeChain([]byte(input), pass)
	if err != nil {
		return "", fmt.Errorf("unable to decode pkcs12 with password: %s", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return encodePEM("PRIVATE KEY", der), nil
}

func pkcs12cert(input string) (string, error) { return pkcs12certPass("", input) }

func pkcs12certPass(pass, input string) (string, error) {
	_, cert, cas, err := gopkcs12.DecodeChain([]byte(input), pass)
	if err != nil {
		return "", fmt.Errorf("unable to decode pkcs12 certificate with password: %s", err)
	}
	all := append([]*x509.Certificate{cert}, cas...)
	if ordered, err := orderChain(all); err == nil {
		all = ordered
	}
	var out strings.Builder
	for _, c := range all {
		out.WriteString(encodePEM("CERTIFICATE", c.Raw))
	}
	return out.String(), nil
}

func parsePrivateKey(der []byte) (any, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("unable to parse private key type")
}

func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for len(bytes.TrimSpace(data)) > 0 {
		block, rest := pem.Decode(data)
		if block == nil {
			return nil, errors.New("the input is not PEM")
		}
		data = rest
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert)
	}
	return certs, nil
}

func pemToPkcs12(cert, key string) (string, error) { return pemToPkcs12Pass(cert, key, "") }

func pemToPkcs12Pass(cert, key, pass string) (string, error) {
	certs, err := parseCerts([]byte(cert))
	if err != nil || len(certs) == 0 {
		return "", fmt.Errorf("pemToPkcs12: the certificate is not PEM: %v", err)
	}
	return toPkcs12(certs[0], key, nil, pass)
}

func fullPemToPkcs12(cert, key string) (string, error) { return fullPemToPkcs12Pass(cert, key, "") }

func fullPemToPkcs12Pass(cert, key, pass string) (string, error) {
	certs, err := parseCerts([]byte(cert))
	if err != nil || len(certs) == 0 {
		return "", fmt.Errorf("fullPemToPkcs12: the certificate is not PEM: %v", err)
	}
	return toPkcs12(certs[0], key, certs[1:], pass)
}

func toPkcs12(cert *x509.Certificate, key string, cas []*x509.Certificate, pass string) (string, error) {
	block, _ := pem.Decode([]byte(key))
	if block == nil {
		return "", errors.New("the private key is not PEM")
	}
	parsed, err := parsePrivateKey(block.Bytes)
	if err != nil {
		return "", err
	}
	pfx, err := gopkcs12.Modern.Encode(parsed, cert, cas, pass)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(pfx), nil
}

func truststoreToPkcs12(certs, pass string) (string, error) {
	parsed, err := parseCerts([]byte(certs))
	if err != nil {
		return "", err
	}
	pfx, err := gopkcs12.Modern.EncodeTrustStore(parsed, pass)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(pfx), nil
}

// ---------------------------------------------------------------- JWK (RFC 7517/7518/8037)

type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	D   string `json:"d"`
	P   string `json:"p"`
	Q   string `json:"q"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func b64url(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func bigInt(field, s string) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("jwk: %q is missing", field)
	}
	b, err := b64url(s)
	if err != nil {
		return nil, fmt.Errorf("jwk: %q is not base64url: %v", field, err)
	}
	return new(big.Int).SetBytes(b), nil
}

func parseJWK(text string) (pub any, priv any, err error) {
	var k jwk
	if err := json.Unmarshal([]byte(text), &k); err != nil {
		return nil, nil, fmt.Errorf("jwk: not a JSON object: %v", err)
	}
	switch k.Kty {
	case "RSA":
		n, err := bigInt("n", k.N)
		if err != nil {
			return nil, nil, err
		}
		e, err := bigInt("e", k.E)
		if err != nil {
			return nil, nil, err
		}
		pk := &rsa.PublicKey{N: n, E: int(e.Int64())}
		if k.D == "" {
			return pk, nil, nil
		}
		d, err := bigInt("d", k.D)
		if err != nil {
			return nil, nil, err
		}
		p, err := bigInt("p", k.P)
		if err != nil {
			return nil, nil, err
		}
		q, err := bigInt("q", k.Q)
		if err != nil {
			return nil, nil, err
		}
		sk := &rsa.PrivateKey{PublicKey: *pk, D: d, Primes: []*big.Int{p, q}}
		sk.Precompute()
		return pk, sk, nil
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, nil, fmt.Errorf("jwk: unsupported EC curve %q", k.Crv)
		}
		x, err := bigInt("x", k.X)
		if err != nil {
			return nil, nil, err
		}
		y, err := bigInt("y", k.Y)
		if err != nil {
			return nil, nil, err
		}
		pk := &ecdsa.PublicKey{Curve: curve, X: x, Y: y}
		if k.D == "" {
			return pk, nil, nil
		}
		d, err := bigInt("d", k.D)
		if err != nil {
			return nil, nil, err
		}
		return pk, &ecdsa.PrivateKey{PublicKey: *pk, D: d}, nil
	case "OKP":
		if k.Crv != "Ed25519" {
			return nil, nil, fmt.Errorf("jwk: unsupported OKP curve %q", k.Crv)
		}
		x, err := b64url(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, nil, errors.New("jwk: \"x\" is not an Ed25519 public key")
		}
		pk := ed25519.PublicKey(x)
		if k.D == "" {
			return pk, nil, nil
		}
		d, err := b64url(k.D)
		if err != nil || len(d) != ed25519.SeedSize {
			return nil, nil, errors.New("jwk: \"d\" is not an Ed25519 private key")
		}
		return pk, ed25519.NewKeyFromSeed(d), nil
	}
	return nil, nil, fmt.Errorf("jwk: unsupported key type %q", k.Kty)
}

func jwkPublicKeyPem(text string) (string, error) {
	pub, _, err := parseJWK(text)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return encodePEM("PUBLIC KEY", der), nil
}

func jwkPrivateKeyPem(text string) (string, error) {
	_, priv, err := parseJWK(text)
	if err != nil {
		return "", err
	}
	if priv == nil {
		return "", errors.New("jwk: the key has no private part")
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	return encodePEM("PRIVATE KEY", der), nil
}
