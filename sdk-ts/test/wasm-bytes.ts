/**
 * A hand-assembled module with one import `env.f` (a function () -> ()), no
 * memory and no exports: everything `gojinn check` must reject.
 */
export const FOREIGN_IMPORT_MODULE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version 1
  0x01,
  0x04,
  0x01,
  0x60,
  0x00,
  0x00, // type section: one type, func () -> ()
  0x02,
  0x09,
  0x01,
  0x03,
  0x65,
  0x6e,
  0x76,
  0x01,
  0x66,
  0x00,
  0x00, // import section: env.f, func type 0
]);

/** The smallest valid module: no imports, no exports (what asc wrote when it "succeeded" empty). */
export const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
