;; Teddy-style multi-literal prefilter (after Hyperscan's "Teddy", as also used by Rust's aho-corasick),
;; with exact verification and line-end counting in the same pass.
;;
;; Every 16-byte block is tested at once against up to 16 buckets of 3- or 4-byte fingerprints, using
;; nibble lookup tables and i8x16.swizzle on two result vectors (buckets 0-7 and 8-15, as Hyperscan's
;; "fat Teddy" does in one 256-bit register): a set bit b in result byte k means the bytes at block + k
;; may equal a fingerprint of bucket b. Each such candidate is then compared with the bucket's
;; fingerprints (one masked 32-bit compare each) and only real occurrences are written out. The same
;; block's line ends are counted: LF, and CR not followed by LF (a lone CR); CRLF counts once, at its LF.
;;
;; Memory layout (set by src/lines/teddy.ts):
;;   [0, 256)        masks, 64 bytes per fingerprint offset j: loA hiA loB hiB (16 bytes each; byte n =
;;                   the bits of buckets 0-7 (A) or 8-15 (B) that allow nibble value n at offset j)
;;   [256, 320)      i32 fingerprint count per bucket (16)
;;   [320, 352)      scratch for one block's results (A, then B)
;;   [512, 512+16*MAXFP*12)  fingerprints per bucket: i32 value (little-endian bytes), i32 mask, i32 index
;;   [OUT, OUT_END)  hits, 12 bytes each: i32 position, i32 fingerprint index, i32 line ends before it
;;                   (since the segment start)
;;   [INPUT, …)      the input, followed by at least 32 bytes (3 real bytes past the end, then zeros);
;;                   a copy, or a read buffer lent out of this memory (4 regions from INPUT + 1 MiB + 4 KiB)
;; Globals: `count` line ends so far in this segment; `last` position of the last line end seen;
;; `gap` longest distance between consecutive line ends (starting from the initial `last`);
;; `resume` where an early-stopped scan continues.
(module
  (memory (export "memory") 100)
  (global $resume (export "resume") (mut i32) (i32.const 0))
  (global $count (export "count") (mut i32) (i32.const 0))
  (global $last (export "last") (mut i32) (i32.const 0))
  (global $gap (export "gap") (mut i32) (i32.const 0))

  ;; Verify the candidates of one block (results at 320 and 336) and write the real occurrences from $out.
  ;; $t: the block's line-end bits; $count: line ends before the block. Returns the new end of the hits.
  (func $verify (param $p i32) (param $end i32) (param $out i32) (param $t i32) (param $count i32) (param $lanes i32) (result i32)
    (local $k i32) (local $bits i32) (local $b i32) (local $word i32) (local $e i32) (local $eEnd i32)
    (loop $lane
      (local.set $k (i32.ctz (local.get $lanes)))
      (local.set $lanes (i32.and (local.get $lanes) (i32.sub (local.get $lanes) (i32.const 1))))
      (if (i32.lt_u (i32.add (local.get $p) (local.get $k)) (local.get $end))
        (then
          (local.set $bits (i32.or (i32.load8_u (i32.add (i32.const 320) (local.get $k)))
            (i32.shl (i32.load8_u (i32.add (i32.const 336) (local.get $k))) (i32.const 8))))
          (local.set $word (i32.load align=1 (i32.add (local.get $p) (local.get $k))))
          (loop $bucket
            (local.set $b (i32.ctz (local.get $bits)))
            (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
            ;; fingerprints of bucket b: 12-byte entries from 512 + b*MAXFP*12 (MAXFP = 32)
            (local.set $e (i32.add (i32.const 512) (i32.mul (local.get $b) (i32.const 384))))
            (local.set $eEnd (i32.add (local.get $e)
              (i32.mul (i32.load (i32.add (i32.const 256) (i32.shl (local.get $b) (i32.const 2)))) (i32.const 12))))
            (block $noMore
              (loop $entry
                (br_if $noMore (i32.ge_u (local.get $e) (local.get $eEnd)))
                (if (i32.eq (i32.and (local.get $word) (i32.load offset=4 (local.get $e))) (i32.load (local.get $e)))
                  (then
                    (i32.store (local.get $out) (i32.add (local.get $p) (local.get $k)))
                    (i32.store offset=4 (local.get $out) (i32.load offset=8 (local.get $e)))
                    (i32.store offset=8 (local.get $out)
                      (i32.add (local.get $count) (i32.popcnt (i32.and (local.get $t)
                        (i32.sub (i32.shl (i32.const 1) (local.get $k)) (i32.const 1))))))
                    (local.set $out (i32.add (local.get $out) (i32.const 12)))))
                (local.set $e (i32.add (local.get $e) (i32.const 12)))
                (br $entry)))
            (br_if $bucket (local.get $bits)))))
      (br_if $lane (local.get $lanes)))
    (local.get $out))

  ;; Scan blocks starting at $p, $p+16, … while $p < $end (bytes at or past $end are ignored).
  ;; Returns the end of the hits written. Stops before a block with candidates when less than
  ;; $reserve bytes of output space are left (the most one block can write); then `resume` is that block.
  (func (export "scan") (param $p i32) (param $end i32) (param $out i32) (param $outEnd i32) (param $reserve i32) (result i32)
    (local $loA0 v128) (local $hiA0 v128) (local $loB0 v128) (local $hiB0 v128)
    (local $loA1 v128) (local $hiA1 v128) (local $loB1 v128) (local $hiB1 v128)
    (local $nib v128) (local $lf v128) (local $cr v128) (local $v0 v128) (local $v v128)
    (local $lo v128) (local $hi v128) (local $rA v128) (local $rB v128)
    (local $t i32) (local $first i32) (local $count i32) (local $last i32) (local $gap i32)
    (local.set $loA0 (v128.load (i32.const 0)))
    (local.set $hiA0 (v128.load (i32.const 16)))
    (local.set $loB0 (v128.load (i32.const 32)))
    (local.set $hiB0 (v128.load (i32.const 48)))
    (local.set $loA1 (v128.load (i32.const 64)))
    (local.set $hiA1 (v128.load (i32.const 80)))
    (local.set $loB1 (v128.load (i32.const 96)))
    (local.set $hiB1 (v128.load (i32.const 112)))
    (local.set $nib (i8x16.splat (i32.const 15)))
    (local.set $lf (i8x16.splat (i32.const 10)))
    (local.set $cr (i8x16.splat (i32.const 13)))
    (local.set $count (global.get $count))
    (local.set $last (global.get $last))
    (local.set $gap (global.get $gap))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $next
        (local.set $v0 (v128.load offset=0 align=1 (local.get $p)))
        (local.set $lo (v128.and (local.get $v0) (local.get $nib)))
        (local.set $hi (i8x16.shr_u (local.get $v0) (i32.const 4)))
        (local.set $rA (v128.and (i8x16.swizzle (local.get $loA0) (local.get $lo)) (i8x16.swizzle (local.get $hiA0) (local.get $hi))))
        (local.set $rB (v128.and (i8x16.swizzle (local.get $loB0) (local.get $lo)) (i8x16.swizzle (local.get $hiB0) (local.get $hi))))
        (local.set $v (v128.load offset=1 align=1 (local.get $p)))
        ;; line ends: LF, or CR whose next byte is not LF
        (local.set $t (i8x16.bitmask (v128.or
          (i8x16.eq (local.get $v0) (local.get $lf))
          (v128.andnot (i8x16.eq (local.get $v0) (local.get $cr)) (i8x16.eq (local.get $v) (local.get $lf))))))
        (if (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 16))
          (then (local.set $t (i32.and (local.get $t)
            (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $end) (local.get $p))) (i32.const 1))))))
        (local.set $lo (v128.and (local.get $v) (local.get $nib)))
        (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
        (local.set $rA (v128.and (local.get $rA)
          (v128.and (i8x16.swizzle (local.get $loA1) (local.get $lo)) (i8x16.swizzle (local.get $hiA1) (local.get $hi)))))
        (local.set $rB (v128.and (local.get $rB)
          (v128.and (i8x16.swizzle (local.get $loB1) (local.get $lo)) (i8x16.swizzle (local.get $hiB1) (local.get $hi)))))
        ;; most blocks are ruled out by the first two fingerprint bytes: test the other two only then
        (if (v128.any_true (v128.or (local.get $rA) (local.get $rB)))
          (then
            (local.set $v (v128.load offset=2 align=1 (local.get $p)))
            (local.set $lo (v128.and (local.get $v) (local.get $nib)))
            (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
            (local.set $rA (v128.and (local.get $rA)
              (v128.and (i8x16.swizzle (v128.load (i32.const 128)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 144)) (local.get $hi)))))
            (local.set $rB (v128.and (local.get $rB)
              (v128.and (i8x16.swizzle (v128.load (i32.const 160)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 176)) (local.get $hi)))))
            (local.set $v (v128.load offset=3 align=1 (local.get $p)))
            (local.set $lo (v128.and (local.get $v) (local.get $nib)))
            (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
            (local.set $rA (v128.and (local.get $rA)
              (v128.and (i8x16.swizzle (v128.load (i32.const 192)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 208)) (local.get $hi)))))
            (local.set $rB (v128.and (local.get $rB)
              (v128.and (i8x16.swizzle (v128.load (i32.const 224)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 240)) (local.get $hi)))))
            (if (v128.any_true (v128.or (local.get $rA) (local.get $rB)))
              (then
                ;; not enough room for this block's hits: stop before it (line-end state untouched)
                (if (i32.gt_u (i32.add (local.get $out) (local.get $reserve)) (local.get $outEnd))
                  (then (br $done)))
                (v128.store (i32.const 320) (local.get $rA))
                (v128.store (i32.const 336) (local.get $rB))
                (local.set $out (call $verify (local.get $p) (local.get $end) (local.get $out) (local.get $t) (local.get $count)
                  (i8x16.bitmask (v128.not (i8x16.eq (v128.or (local.get $rA) (local.get $rB)) (v128.const i64x2 0 0))))))))))
        (if (local.get $t)
          (then
            (local.set $first (i32.add (local.get $p) (i32.ctz (local.get $t))))
            (if (i32.gt_u (i32.sub (local.get $first) (local.get $last)) (local.get $gap))
              (then (local.set $gap (i32.sub (local.get $first) (local.get $last)))))
            (local.set $last (i32.add (local.get $p) (i32.sub (i32.const 31) (i32.clz (local.get $t)))))
            (local.set $count (i32.add (local.get $count) (i32.popcnt (local.get $t))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))
    (global.set $resume (local.get $p))
    (global.set $count (local.get $count))
    (global.set $last (local.get $last))
    (global.set $gap (local.get $gap))
    (local.get $out))
)
