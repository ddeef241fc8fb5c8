/**
 * Registers every scalar function, operator and cast implementation with the function registry
 * (src/expr/func.ts). Importing this module is what makes the names the binder emits evaluable.
 */
import './arith.ts';
import './logic.ts';
import './strings.ts';
import './datetime.ts';
import './casts.ts';
import './catalog.ts';
import './jsonb.ts';
import './arrays.ts';
import './to-char.ts';
