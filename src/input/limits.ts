/**
 * Resource limits on what the tool reads, so that a hostile or mistaken input is refused with a
 * message instead of exhausting memory or crashing V8.
 */
import { constants } from 'node:buffer';

/**
 * Largest `--max-line-length`, bytes: V8's longest string (`buffer.constants.MAX_STRING_LENGTH`,
 * 2^29 − 24 = 536 870 888 on 64-bit). A line is decoded from UTF-8 into at most as many UTF-16 units as
 * it has bytes, so no line under this limit can fail to become a string ("Cannot create a string
 * longer than 0x1fffffe8 characters").
 */
export const MAX_LINE_LENGTH_LIMIT = constants.MAX_STRING_LENGTH;
