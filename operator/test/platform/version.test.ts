import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VersionRequested, parseConfig } from '../../src/config.js';
import { VERSION } from '../../src/platform/version.js';

describe('version', () => {
  it('is the package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('--version asks main to print it, ahead of any other flag check', () => {
    expect(() => parseConfig(['--version'], {})).toThrow(VersionRequested);
    expect(() => parseConfig(['--version', '--concurrency', '0'], {})).toThrow(VersionRequested);
  });
});
