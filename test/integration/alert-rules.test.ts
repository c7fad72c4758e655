import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleGroups, rulesFile, rulesTestFile } from '../support/monitoring-files.ts';
import { promtool } from '../support/promtool.ts';
import { awaitLatePart, latePartWaitMs } from '../support/late-parts.ts';

// The chart's alert rules (charts/tessera/rules/tessera.rules.yaml, the file the PrometheusRule
// template embeds) checked and unit-tested by promtool, built from its Go module. It needs the
// promtool part, not the cluster; it sits with the chart's other tests that run built parts.

beforeAll(() => awaitLatePart('promtool'), latePartWaitMs);

interface RulesTest {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

describe('the alert rules', () => {
  it('pass promtool check rules', () => {
    const { status, output } = promtool(['check', 'rules', rulesFile]);
    expect(output).toContain('SUCCESS: 5 rules found');
    expect(status).toBe(0);
  });

  it('pass promtool test rules: each alert firing on its trouble and silent without it', () => {
    const { status, output } = promtool(['test', 'rules', rulesTestFile]);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('have a firing case and a silent case for every alert', () => {
    const cases = (parse(readFileSync(rulesTestFile, 'utf8')) as RulesTest).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of ruleGroups().groups.flatMap((g) => g.rules)) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${alert} fires somewhere`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${alert} stays silent somewhere`).toBe(true);
    }
  });

  it('fail promtool test rules when an alert does not fire as a case expects (the test can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-rules-'));
    try {
      const broken = readFileSync(rulesTestFile, 'utf8')
        .replace('../../charts/tessera/rules/tessera.rules.yaml', rulesFile)
        .replace('queue holds 150 keys', 'queue holds 151 keys');
      writeFileSync(join(dir, 'broken.test.yaml'), broken);
      const { status, output } = promtool(['test', 'rules', join(dir, 'broken.test.yaml')]);
      expect(output).toContain('FAILED');
      expect(output).toContain('TesseraWorkQueueBackingUp');
      expect(status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
