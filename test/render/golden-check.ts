// Compares text with test/fixtures/golden/NAME (test/helpers.ts assertGoldenFile: a
// missing or different golden fails; UPDATE_GOLDEN=1 rewrites it).
import { assertGoldenFile, fixture } from '../helpers.js';

export const assertGolden = (name: string, actual: string): void => assertGoldenFile(fixture('golden', name), actual);
