import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unifiedDiff } from '../../src/render/unified-diff.js';

describe('unifiedDiff', () => {
  const cases: [string, string, string, string][] = [
    ['identical texts: empty', 'a\nb', 'a\nb', ''],
    ['one changed line', 'a\nb\nc', 'a\nB\nc', '--- before\n+++ after\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n'],
    ['an inserted line', 'a\nc', 'a\nb\nc', '--- before\n+++ after\n@@ -1,2 +1,3 @@\n a\n+b\n c\n'],
    ['two distant changes: two hunks', 'x\n1\n2\n3\n4\n5\n6\n7\n8\ny', 'X\n1\n2\n3\n4\n5\n6\n7\n8\nY', '--- before\n+++ after\n@@ -1,4 +1,4 @@\n-x\n+X\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-y\n+Y\n'],
  ];
  for (const [scenario, a, b, want] of cases) it(scenario, () => assert.equal(unifiedDiff(a, b), want));
});
