// The report `rotor migrate` prints: every object or field that did not carry over, why, and
// what to do instead, grouped by object. Pure text formatting.
import type { Finding, FindingLevel } from './convert.js';

const HEADINGS: Record<FindingLevel, string> = {
  'not-converted': 'NOT CONVERTED',
  dropped: 'FIELD DROPPED',
  changed: 'CHANGED',
  note: 'NOTE',
};

export interface ReportCounts {
  converted: number;
  passedThrough: number;
  notConverted: number;
}

export function formatReport(findings: Finding[], counts: ReportCounts): string {
  const lines: string[] = [];
  const byObject = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.object} (${f.source})`;
    byObject.set(key, [...(byObject.get(key) ?? []), f]);
  }
  for (const [object, list] of byObject) {
    lines.push(object);
    for (const f of list) {
      lines.push(`  ${HEADINGS[f.level]}: ${f.message}`);
      if (f.action) lines.push(`    -> ${f.action}`);
    }
  }
  const dropped = findings.filter((f) => f.level === 'dropped').length;
  lines.push(
    `${counts.converted} converted, ${counts.notConverted} not converted, ${dropped} field${dropped === 1 ? '' : 's'} dropped` +
      (counts.passedThrough > 0 ? `, ${counts.passedThrough} other object${counts.passedThrough === 1 ? '' : 's'} passed through unchanged` : ''),
  );
  return `${lines.join('\n')}\n`;
}
