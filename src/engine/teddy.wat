;; Teddy-style multi-literal prefilter (after Hyperscan's "Teddy", as also used by Rust's aho-corasick):
;; every 16-byte block of the input is tested at once against up to 8 buckets of 4-byte fingerprints,
;; using nibble lookup tables and i8x16.swizzle. A set bit b in result byte k means: the 4 bytes
;; starting at block + k may equal a fingerprint of bucket b (each byte's low and high nibble is one
;; that some fingerprint of bucket b has at that offset). The caller verifies the hits exactly.
;;
;; Memory layout (set by src/engine/teddy.ts):
;;   [0, 128)           masks: lo0 hi0 lo1 hi1 lo2 hi2 lo3 hi3 (16 bytes each; byte n = bucket bits
;;                      of nibble value n at fingerprint offset j)
;;   [OUT, OUT_END)     output records: i32 block position, then the 16-byte result (20 bytes each)
;;   [INPUT, …)         the input, followed by at least 32 zero bytes
(module
  (memory (export "memory") 40)
  (global $resume (export "resume") (mut i32) (i32.const 0))

  ;; Scan blocks starting at $p, $p+16, … while $p < $end. Returns the end of the records written.
  ;; Stops early when fewer than 20 bytes of output space are left; then `resume` is the next block.
  (func (export "scan") (param $p i32) (param $end i32) (param $out i32) (param $outEnd i32) (result i32)
    (local $lo0 v128) (local $hi0 v128) (local $lo1 v128) (local $hi1 v128)
    (local $lo2 v128) (local $hi2 v128) (local $lo3 v128) (local $hi3 v128)
    (local $nib v128) (local $v v128) (local $r v128)
    (local.set $lo0 (v128.load (i32.const 0)))
    (local.set $hi0 (v128.load (i32.const 16)))
    (local.set $lo1 (v128.load (i32.const 32)))
    (local.set $hi1 (v128.load (i32.const 48)))
    (local.set $lo2 (v128.load (i32.const 64)))
    (local.set $hi2 (v128.load (i32.const 80)))
    (local.set $lo3 (v128.load (i32.const 96)))
    (local.set $hi3 (v128.load (i32.const 112)))
    (local.set $nib (i8x16.splat (i32.const 15)))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $next
        (local.set $v (v128.load offset=0 align=1 (local.get $p)))
        (local.set $r (v128.and
          (i8x16.swizzle (local.get $lo0) (v128.and (local.get $v) (local.get $nib)))
          (i8x16.swizzle (local.get $hi0) (i8x16.shr_u (local.get $v) (i32.const 4)))))
        (local.set $v (v128.load offset=1 align=1 (local.get $p)))
        (local.set $r (v128.and (local.get $r) (v128.and
          (i8x16.swizzle (local.get $lo1) (v128.and (local.get $v) (local.get $nib)))
          (i8x16.swizzle (local.get $hi1) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $v (v128.load offset=2 align=1 (local.get $p)))
        (local.set $r (v128.and (local.get $r) (v128.and
          (i8x16.swizzle (local.get $lo2) (v128.and (local.get $v) (local.get $nib)))
          (i8x16.swizzle (local.get $hi2) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $v (v128.load offset=3 align=1 (local.get $p)))
        (local.set $r (v128.and (local.get $r) (v128.and
          (i8x16.swizzle (local.get $lo3) (v128.and (local.get $v) (local.get $nib)))
          (i8x16.swizzle (local.get $hi3) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (if (v128.any_true (local.get $r))
          (then
            (i32.store align=1 (local.get $out) (local.get $p))
            (v128.store offset=4 align=1 (local.get $out) (local.get $r))
            (local.set $out (i32.add (local.get $out) (i32.const 20)))
            (if (i32.gt_u (i32.add (local.get $out) (i32.const 20)) (local.get $outEnd))
              (then
                (global.set $resume (i32.add (local.get $p) (i32.const 16)))
                (return (local.get $out))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))
    (global.set $resume (local.get $p))
    (local.get $out))
)
