// Unit tests of the hostile endpoint's request accounting (scripts/hostile-tenant.sh): a token
// it fails to see would make the measurement report "0 tokens received" for a leak.
import { describe, expect, it } from 'vitest';
import { audienceOf, operationOf, tokensIn } from './endpoint.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: unknown) => `${b64url({ alg: 'RS256', kid: 'k' })}.${b64url(claims)}.c2lnbmF0dXJl`;

describe('hostile endpoint accounting', () => {
  it('names the operation from X-Amz-Target (JSON protocol) or Action (Query protocol)', () => {
    expect(operationOf({ 'x-amz-target': 'secretsmanager.ListSecrets' }, '{}')).toBe('ListSecrets');
    expect(operationOf({}, 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15')).toBe('AssumeRoleWithWebIdentity');
    expect(operationOf({}, '')).toBe('unknown');
  });

  it('finds a web-identity token in a url-encoded form field, a Bearer header or any header', () => {
    const token = jwt({ aud: ['sts.amazonaws.com'], sub: 'system:serviceaccount:a:reader' });
    expect(tokensIn({}, `Action=AssumeRoleWithWebIdentity&WebIdentityToken=${encodeURIComponent(token)}&RoleArn=x`)).toEqual([token]);
    expect(tokensIn({ authorization: `Bearer ${token}` }, '')).toEqual([token]);
    expect(tokensIn({ 'x-anything': token }, token)).toEqual([token]);
    expect(tokensIn({ authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request' }, 'Action=GetCallerIdentity')).toEqual([]);
  });

  it('reads the audience claim, string or list, and tolerates garbage', () => {
    expect(audienceOf(jwt({ aud: ['https://kubernetes.default.svc', 'sts.amazonaws.com'] }))).toBe('https://kubernetes.default.svc,sts.amazonaws.com');
    expect(audienceOf(jwt({ aud: 'sts.amazonaws.com' }))).toBe('sts.amazonaws.com');
    expect(audienceOf('eyJ.not-json.x')).toBeUndefined();
  });
});
