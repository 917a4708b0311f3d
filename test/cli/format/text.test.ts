import { afterEach, describe, expect, it } from 'vitest';
import { charWidth, displayWidth, padEnd, truncate, wrap } from '../../../cli/format/text.js';
import { instance, mockEstate, restore, run, smallEstate, type Mocks } from '../harness.js';

let mocks: Mocks | undefined;
afterEach(() => {
  if (mocks) restore(mocks);
  mocks = undefined;
});

describe('display width', () => {
  it('East Asian Wide and Fullwidth count 2, combining marks 0, ASCII 1', () => {
    expect(displayWidth('web-1')).toBe(5);
    expect(displayWidth('東京')).toBe(4); // CJK ideographs (W)
    expect(displayWidth('ウェブ')).toBe(6); // katakana (W)
    expect(displayWidth('서버')).toBe(4); // Hangul syllables (W)
    expect(displayWidth('ＡＢ')).toBe(4); // fullwidth Latin (F)
    expect(displayWidth('ｱｲ')).toBe(2); // halfwidth katakana (H)
    expect(displayWidth('e\u0301')).toBe(1); // e + combining acute
    expect(displayWidth('🚀')).toBe(2);
    expect(charWidth('\u200b')).toBe(0); // zero width space (Cf)
  });

  it('truncate, padEnd and wrap never split a wide character across the limit', () => {
    expect(truncate('東京のウェブサーバー', 7)).toBe('東京の…');
    expect(displayWidth(truncate('東京のウェブサーバー', 8))).toBeLessThanOrEqual(8);
    expect(displayWidth(padEnd('東京のウェブサーバー', 14))).toBe(14);
    expect(displayWidth(padEnd('東京', 14))).toBe(14);
    for (const line of wrap('本番環境の東京リージョンにあるウェブサーバー群'.repeat(5), 80, '      ')) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });
});

describe('tables with wide characters', () => {
  function cjkEstate() {
    const e = smallEstate();
    e.instances.push(
      instance('i-0aaaaaaaaaaaaaaa4', { name: '東京のウェブサーバー本番環境', tags: { 'aws:autoscaling:groupName': '本番ウェブ用オートスケーリンググループ' } }),
      instance('i-0aaaaaaaaaaaaaaa5', { name: '서울-데이터베이스-서버', hop: 3 }),
      instance('i-0aaaaaaaaaaaaaaa6', { name: 'ＡＰＩゲートウェイ', tags: { 'imds-guard:exempt': '外部ベンダーの機器なので対象外です。担当者に確認してください' } }),
    );
    e.templates.push({
      LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa7',
      LaunchTemplateName: 'ウェブ用起動テンプレート',
      VersionNumber: 1,
      DefaultVersion: true,
      CreateTime: new Date('2026-01-05T08:00:00Z'),
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 1 } },
    });
    e.usage['i-0aaaaaaaaaaaaaaa5'] = [0];
    return e;
  }

  it('scan keeps every line within 80 display columns', async () => {
    mocks = mockEstate({ 'us-east-1': cjkEstate() });
    const r = await run(['scan']);
    expect(r.stdout).toContain('東京のウェブ…');
    for (const line of r.stdout.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
    // The columns after the name still line up with the header.
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.includes('READINESS')) ?? '';
    const row = lines.find((l) => l.includes('i-0aaaaaaaaaaaaaaa4')) ?? '';
    const col = (text: string, word: string): number => displayWidth(text.slice(0, text.indexOf(word)));
    expect(col(row, 'optional')).toBe(col(header, 'TOKENS'));
  });

  it('fix keeps every line within 80 display columns', async () => {
    mocks = mockEstate({ 'us-east-1': cjkEstate() });
    const r = await run(['fix', '--dry-run']);
    expect(r.stdout).toContain('東京のウェブサーバー本番環境');
    for (const line of r.stdout.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
  });
});

describe('wrap', () => {
  it('wrap keeps lines within the width and breaks long words', () => {
    const lines = wrap(`${'word '.repeat(40)}${'x'.repeat(100)}`, 80, '    ');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines.join('').replace(/\s/g, '')).toBe(`${'word'.repeat(40)}${'x'.repeat(100)}`);
  });
});
