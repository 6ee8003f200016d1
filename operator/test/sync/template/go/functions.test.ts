// ESO's own template functions in the Go engine, checked against independent implementations
// (Node's crypto for JWK -> PEM) and by round trips (PEM -> PKCS#12 -> PEM).
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { WasmGoEngine } from '../../../../src/sync/template/go/engine.js';

const go = new WasmGoEngine();
afterAll(() => go.close());

async function render(text: string, data: Record<string, string>): Promise<string> {
  const [out] = await go.render([{ text }], Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])), 1 << 20);
  if (!out || !out.ok || !('out' in out)) throw new Error(`render failed: ${JSON.stringify(out)}`);
  return out.out.toString('utf8');
}

describe('jwkPublicKeyPem / jwkPrivateKeyPem', () => {
  it.each([
    ['RSA', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['EC P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['EC P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['Ed25519', () => generateKeyPairSync('ed25519')],
  ])('%s public key equals Node’s SPKI PEM, private key parses back to the same key', async (_kind, make) => {
    const { publicKey, privateKey } = make();
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    const pub = await render('{{ .jwk | jwkPublicKeyPem }}', { jwk });
    expect(pub).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const priv = await render('{{ .jwk | jwkPrivateKeyPem }}', { jwk });
    expect(priv).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(priv).export({ format: 'jwk' })).toEqual(privateKey.export({ format: 'jwk' }));
    // A public JWK has no private part.
    const publicJwk = JSON.stringify(publicKey.export({ format: 'jwk' }));
    expect(await render('{{ .jwk | jwkPublicKeyPem }}', { jwk: publicJwk })).toBe(pub);
    expect(createPublicKey(pub).asymmetricKeyType).toBe(publicKey.asymmetricKeyType);
  });
});

describe('PKCS#12', () => {
  const cert = readFileSync(new URL('../../../../../e2e/compat/eso-aws/12-sm-tls-template.expect.yaml', import.meta.url), 'utf8');
  const pem = (type: string) => {
    const match = new RegExp(`-----BEGIN ${type}-----[\\s\\S]*?-----END ${type}-----`).exec(cert)![0];
    return `${match.split('\n').map((l) => l.trim()).join('\n')}\n`;
  };
  it('pemToPkcs12Pass then pkcs12certPass / pkcs12keyPass give the certificate and the key back', async () => {
    const data = { crt: pem('CERTIFICATE'), key: pem('PRIVATE KEY') };
    const p12 = await render('{{ pemToPkcs12Pass .crt .key "s3cret" }}', data);
    expect(Buffer.from(p12, 'base64').length).toBeGreaterThan(100);
    // The archive is binary: it goes to the engine as bytes, as a SecretBinary would.
    const archive = Buffer.from(p12, 'base64');
    const [certOut, keyOut] = await go.render(
      [{ text: '{{ .p12 | pkcs12certPass "s3cret" }}' }, { text: '{{ .p12 | pkcs12keyPass "s3cret" }}' }],
      { p12: archive },
      1 << 20,
    );
    expect(certOut).toEqual({ ok: true, out: Buffer.from(data.crt) });
    expect(createPrivateKey((keyOut as { out: Buffer }).out).export({ format: 'jwk' })).toEqual(createPrivateKey(data.key).export({ format: 'jwk' }));
    const [wrong] = await go.render([{ text: '{{ .p12 | pkcs12keyPass "nope" }}' }], { p12: archive }, 1 << 20);
    expect(wrong?.ok).toBe(false);
  });
  it('filterPEM keeps the blocks of one type; junk without any block is an error', async () => {
    const bundle = pem('CERTIFICATE') + pem('PRIVATE KEY');
    expect(await render('{{ .b | filterPEM "PRIVATE KEY" }}', { b: bundle })).toBe(pem('PRIVATE KEY'));
    const [junk] = await go.render([{ text: '{{ .b | filterPEM "CERTIFICATE" }}' }], { b: Buffer.from('not pem') }, 1 << 20);
    expect(junk?.ok).toBe(false);
  });
});
