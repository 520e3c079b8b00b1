/*
 * gkdc plugin SDK: a bounded, zero-copy CBOR decoder and a CBOR encoder
 * into caller-owned buffers, both on libcbor's low-level API.
 *
 * Decoder
 * -------
 * Every input is hostile. gkdc_cbor_dec_init() validates the whole item in
 * one pass before anything is returned: the input size and the nesting
 * depth are bounded (struct gkdc_cbor_limits), every array or map count is
 * checked against the bytes that remain (a huge claimed count fails without
 * any allocation), heads must use the shortest form, indefinite lengths are
 * rejected, duplicate map keys are rejected (two keys are duplicates when
 * their encoded bytes are equal), text strings must be valid UTF-8, and
 * bytes after the item are an error. Sequence mode (RFC 8742) validates
 * each top-level item when the cursor reaches it, so items before a broken
 * one still decode.
 *
 * After validation the caller pulls items with type-checked getters, in
 * the style of QCBOR. The first failure is stored in the decoder and every
 * later call is a no-op that returns 0, so a parser calls the getters in a
 * row and checks the error once with gkdc_cbor_dec_finish():
 *
 *   struct gkdc_cbor_dec d;
 *   uint64_t n;
 *   struct gkdc_bytes s;
 *   gkdc_cbor_dec_init(&d, buf, len, NULL);
 *   gkdc_cbor_dec_enter_array(&d, NULL);
 *   gkdc_cbor_dec_get_uint(&d, &n);
 *   gkdc_cbor_dec_get_bstr(&d, &s);
 *   gkdc_cbor_dec_exit(&d);
 *   if (gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK) ... reject ...
 *
 * Byte and text strings are returned as (pointer, length) views into the
 * input (struct gkdc_bytes); the input must outlive them. Text strings are
 * not NUL-terminated. gkdc_cbor_dec_get_raw() returns the exact encoded
 * bytes of any item, for values that must be kept byte-exact (credentials,
 * scopes, protected headers).
 *
 * Maps are read either in order (key, value, key, value ...) after
 * gkdc_cbor_dec_enter_map(), or by lookup: gkdc_cbor_dec_map_find_int()
 * and gkdc_cbor_dec_map_find_tstr() search the map the decoder is inside
 * and hand back a sub-decoder positioned on the value, without moving the
 * cursor. An error in a sub-decoder is also stored in its parent, so
 * checking the parent once covers both; a sub-decoder must not outlive its
 * parent.
 *
 * A decoder needs no cleanup; it holds no allocation.
 *
 * Encoder
 * -------
 * gkdc_cbor_enc_init() takes a caller-owned buffer; every put appends the
 * shortest encoding (libcbor's cbor_encode_* functions). Running out of
 * space stores GKDC_CBOR_ERR_OVERFLOW and later puts are ignored; a NULL
 * buffer selects size-only mode, which counts the bytes an encoding needs.
 * Output is deterministic per RFC 8949 section 4.2.1 when maps are built
 * with gkdc_cbor_enc_map_begin() / gkdc_cbor_enc_map_end(), which sort the
 * entries by their encoded keys (bytewise lexicographic order) and reject
 * duplicate keys. gkdc_cbor_enc_bstr_begin() / _end() wrap whatever was
 * encoded in between in a byte string (bstr .cbor).
 */
#ifndef GKDC_CBOR_H
#define GKDC_CBOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Errors of the CBOR decoder and encoder. GKDC_CBOR_OK is zero; every
 * other value names one cause. gkdc_cbor_err_str() gives a short message.
 */
enum gkdc_cbor_err {
  GKDC_CBOR_OK = 0,
  GKDC_CBOR_ERR_TRUNCATED = 1,     /* the input ends inside an item */
  GKDC_CBOR_ERR_MALFORMED = 2,     /* not well-formed (reserved head, bad simple value) */
  GKDC_CBOR_ERR_INDEFINITE = 3,    /* indefinite-length string, array or map */
  GKDC_CBOR_ERR_NOT_SHORTEST = 4,  /* head not in its shortest form */
  GKDC_CBOR_ERR_TOO_DEEP = 5,      /* nesting deeper than limits.max_depth */
  GKDC_CBOR_ERR_TOO_LARGE = 6,     /* input longer than limits.max_size */
  GKDC_CBOR_ERR_BAD_COUNT = 7,     /* array or map count exceeds the remaining bytes */
  GKDC_CBOR_ERR_DUPLICATE_KEY = 8, /* two map keys with equal encodings */
  GKDC_CBOR_ERR_TRAILING = 9,      /* bytes after the single expected item */
  GKDC_CBOR_ERR_BAD_UTF8 = 10,     /* text string is not valid UTF-8 */
  GKDC_CBOR_ERR_TYPE = 11,         /* the item has another type than the getter expects */
  GKDC_CBOR_ERR_RANGE = 12,        /* integer does not fit the requested C type */
  GKDC_CBOR_ERR_NO_MORE = 13,      /* read past the end of a container or sequence */
  GKDC_CBOR_ERR_NESTING = 14,      /* exit without enter, or finish inside a container */
  GKDC_CBOR_ERR_UNCONSUMED = 15,   /* finish before the last top-level item was read */
  GKDC_CBOR_ERR_VALUE = 16,        /* well-formed but semantically invalid (set by callers) */
  GKDC_CBOR_ERR_OVERFLOW = 17,     /* encoder: the output buffer is too small */
  GKDC_CBOR_ERR_NOMEM = 18,        /* memory allocation failed */
  GKDC_CBOR_ERR_INVALID = 19,      /* invalid argument or API misuse */
};

/* Returns a static English message for `err`, never NULL. */
const char *gkdc_cbor_err_str(enum gkdc_cbor_err err);

/* Item types as seen by gkdc_cbor_dec_peek_type(). */
enum gkdc_cbor_type {
  GKDC_CBOR_TYPE_NONE = 0,   /* no item: end of container or input, or an error */
  GKDC_CBOR_TYPE_UINT = 1,   /* major type 0 */
  GKDC_CBOR_TYPE_NEGINT = 2, /* major type 1 */
  GKDC_CBOR_TYPE_BSTR = 3,
  GKDC_CBOR_TYPE_TSTR = 4,
  GKDC_CBOR_TYPE_ARRAY = 5,
  GKDC_CBOR_TYPE_MAP = 6,
  GKDC_CBOR_TYPE_TAG = 7,
  GKDC_CBOR_TYPE_FALSE = 8,
  GKDC_CBOR_TYPE_TRUE = 9,
  GKDC_CBOR_TYPE_NULL = 10,
  GKDC_CBOR_TYPE_UNDEFINED = 11,
  GKDC_CBOR_TYPE_FLOAT = 12, /* half, single or double precision */
};

/* Default and hard limits. A tag counts as one nesting level. */
#define GKDC_CBOR_DEFAULT_MAX_SIZE ((size_t)256 * 1024)
#define GKDC_CBOR_DEFAULT_MAX_DEPTH 16
#define GKDC_CBOR_MAX_DEPTH 32 /* containers a decoder can have entered at once */

/* Bounds applied by the decoder; 0 in a field selects its default. */
struct gkdc_cbor_limits {
  size_t max_size;    /* maximum input length in bytes */
  unsigned max_depth; /* maximum nesting depth, at most GKDC_CBOR_MAX_DEPTH */
};

/* One entered container (private to the decoder). */
struct gkdc_cbor_level {
  size_t start;     /* offset of the container's head */
  size_t end;       /* offset just after the container */
  size_t remaining; /* items (not pairs) left to read in it */
  uint8_t is_map;
};

/*
 * A decoder. Allocate it anywhere (usually on the stack) and set it up with
 * gkdc_cbor_dec_init() or gkdc_cbor_dec_init_seq(). Its members are private.
 */
struct gkdc_cbor_dec {
  const uint8_t *buf;
  size_t len;
  size_t pos;            /* offset of the next item */
  size_t validated_end;  /* sequence mode: end of the last validated item */
  struct gkdc_cbor_limits limits;
  enum gkdc_cbor_err err;
  uint8_t sequence;      /* 1 in sequence mode */
  uint8_t depth;         /* entered containers */
  uint8_t in_tag;        /* tag heads read since the last complete item */
  struct gkdc_cbor_level level[GKDC_CBOR_MAX_DEPTH];
  struct gkdc_cbor_dec *parent; /* sub-decoders: where errors propagate */
};

/*
 * Sets up `d` to decode exactly one CBOR item from `buf` (`len` bytes) and
 * validates it completely, including the absence of trailing bytes.
 * `limits` may be NULL for the defaults. On failure the error is stored in
 * `d` (so every getter returns 0) and also returned. `buf` is borrowed and
 * must stay valid and unchanged while `d` and the views it returned are
 * used.
 */
enum gkdc_cbor_err gkdc_cbor_dec_init(struct gkdc_cbor_dec *d, const uint8_t *buf,
                                      size_t len, const struct gkdc_cbor_limits *limits);

/*
 * Sets up `d` to decode a CBOR sequence (RFC 8742): zero or more items one
 * after the other. Each top-level item is validated when the cursor reaches
 * it. gkdc_cbor_dec_at_end() returns 1 once the sequence is exhausted. The size
 * limit applies to the whole input.
 */
enum gkdc_cbor_err gkdc_cbor_dec_init_seq(struct gkdc_cbor_dec *d, const uint8_t *buf,
                                          size_t len,
                                          const struct gkdc_cbor_limits *limits);

/*
 * Returns the type of the next item without consuming it, or
 * GKDC_CBOR_TYPE_NONE at the end of the current container or sequence, or
 * once an error is stored.
 */
enum gkdc_cbor_type gkdc_cbor_dec_peek_type(struct gkdc_cbor_dec *d);

/* Returns 1 when no item is left in the current container (or at top
 * level, in the input), or when an error is stored; else 0. */
int gkdc_cbor_dec_at_end(struct gkdc_cbor_dec *d);

/*
 * Getters. Each consumes the next item if it has the expected type and
 * returns 1; otherwise it stores an error (GKDC_CBOR_ERR_TYPE,
 * GKDC_CBOR_ERR_RANGE, GKDC_CBOR_ERR_NO_MORE ...), leaves the output
 * untouched and returns 0. Tags are never skipped implicitly: read them
 * with gkdc_cbor_dec_get_tag() first.
 */
int gkdc_cbor_dec_get_uint(struct gkdc_cbor_dec *d, uint64_t *out);
/* Accepts major types 0 and 1 within the int64_t range. */
int gkdc_cbor_dec_get_int(struct gkdc_cbor_dec *d, int64_t *out);
/* The content of a byte string, a view into the input. */
int gkdc_cbor_dec_get_bstr(struct gkdc_cbor_dec *d, struct gkdc_bytes *out);
/* The content of a text string (UTF-8, not NUL-terminated), a view. */
int gkdc_cbor_dec_get_tstr(struct gkdc_cbor_dec *d, struct gkdc_bytes *out);
int gkdc_cbor_dec_get_bool(struct gkdc_cbor_dec *d, int *out);
int gkdc_cbor_dec_get_null(struct gkdc_cbor_dec *d);
/* Any float width, widened to double. */
int gkdc_cbor_dec_get_float(struct gkdc_cbor_dec *d, double *out);
/* Consumes a tag head only; the tagged item is the next item. */
int gkdc_cbor_dec_get_tag(struct gkdc_cbor_dec *d, uint64_t *out);
/* Consumes the tag head `tag` if the next item carries it and returns 1;
 * returns 0 without storing an error when it does not. */
int gkdc_cbor_dec_skip_tag(struct gkdc_cbor_dec *d, uint64_t tag);

/*
 * Consumes the next item whatever its type (with its tags and content) and
 * stores its exact encoded bytes in *out (a view into the input; `out` may
 * be NULL).
 */
int gkdc_cbor_dec_get_raw(struct gkdc_cbor_dec *d, struct gkdc_bytes *out);
/* Consumes the next item whatever its type. */
int gkdc_cbor_dec_skip(struct gkdc_cbor_dec *d);

/*
 * Enters the array or map that is the next item. `*count` (may be NULL)
 * receives its number of elements, or of key/value pairs for a map. Inside,
 * getters read the elements in order (a map's keys and values alternate)
 * until gkdc_cbor_dec_at_end(). At most GKDC_CBOR_MAX_DEPTH containers can
 * be entered at once.
 */
int gkdc_cbor_dec_enter_array(struct gkdc_cbor_dec *d, size_t *count);
int gkdc_cbor_dec_enter_map(struct gkdc_cbor_dec *d, size_t *count);
/* Leaves the innermost entered container, skipping what was not read. */
int gkdc_cbor_dec_exit(struct gkdc_cbor_dec *d);

/*
 * Looks `key` up in the map the decoder is currently inside (entered with
 * gkdc_cbor_dec_enter_map()), wherever the cursor is, without moving it.
 * Returns 1 and sets up `*value` as a decoder of exactly the value item
 * when the key is present. Returns 0 when the key is absent (not an error)
 * or when `d` already contains an error. Calling it outside a map stores
 * GKDC_CBOR_ERR_TYPE. Errors later stored in `*value` are copied to `d`.
 * find_int matches integer keys (major types 0 and 1) only; find_tstr
 * matches text-string keys equal to the NUL-terminated `key`.
 */
int gkdc_cbor_dec_map_find_int(struct gkdc_cbor_dec *d, int64_t key,
                               struct gkdc_cbor_dec *value);
int gkdc_cbor_dec_map_find_tstr(struct gkdc_cbor_dec *d, const char *key,
                                struct gkdc_cbor_dec *value);

/* Stores `err` unless an error is stored already (first error wins); for
 * semantic checks in callers, usually GKDC_CBOR_ERR_VALUE. */
void gkdc_cbor_dec_set_error(struct gkdc_cbor_dec *d, enum gkdc_cbor_err err);
/* Returns the stored error, GKDC_CBOR_OK when there is none. */
enum gkdc_cbor_err gkdc_cbor_dec_error(const struct gkdc_cbor_dec *d);

/*
 * Ends decoding. Returns the stored error if any; else
 * GKDC_CBOR_ERR_NESTING if a container is still entered; else
 * GKDC_CBOR_ERR_UNCONSUMED if a top-level item was not read; else
 * GKDC_CBOR_OK. The result is also stored in `d`.
 */
enum gkdc_cbor_err gkdc_cbor_dec_finish(struct gkdc_cbor_dec *d);

/*
 * Validates `len` bytes as exactly one well-formed item under `limits`
 * (NULL for the defaults) without decoding it further.
 */
enum gkdc_cbor_err gkdc_cbor_validate(const uint8_t *buf, size_t len,
                                      const struct gkdc_cbor_limits *limits);

/* ---- Diagnostic notation ---- */

/* Flags of gkdc_cbor_diag(). */
#define GKDC_DIAG_PRETTY 0x1   /* one map entry or array element per line */
#define GKDC_DIAG_LABELS 0x2   /* name the keys of CWT claims, COSE headers,
                                  COSE_Key and cnf, and well-known values */
#define GKDC_DIAG_EMBEDDED 0x4 /* print byte strings that contain CBOR as <<...>> */

/* What gkdc_cbor_diag() reads the top-level item as. */
enum gkdc_diag_as {
  GKDC_DIAG_AS_AUTO = 0,     /* guess from tags and keys */
  GKDC_DIAG_AS_CBOR = 1,     /* no labels at top level */
  GKDC_DIAG_AS_CLAIMS = 2,   /* a CWT claims set or CCS */
  GKDC_DIAG_AS_COSE_KEY = 3,
  GKDC_DIAG_AS_ACE = 4,       /* an ACE map: /token, /authz-info (OAuth parameters) */
  GKDC_DIAG_AS_GROUPCOMM = 5, /* an ACE Groupcomm map (RFC 9594, CF 261) */
};

/*
 * Writes `len` bytes of CBOR to `out` in diagnostic notation (RFC 8949
 * section 8) with `flags`. A CBOR sequence prints one item per line.
 * Input is validated like gkdc_cbor_dec_init() does; on a validation error
 * nothing is printed and the error is returned.
 */
enum gkdc_cbor_err gkdc_cbor_diag(FILE *out, const uint8_t *buf, size_t len,
                                  unsigned flags, enum gkdc_diag_as as);

/* ---- Encoder ---- */

/* An encoder. Set it up with gkdc_cbor_enc_init(); members are private. */
struct gkdc_cbor_enc {
  uint8_t *buf; /* NULL in size-only mode */
  size_t cap;
  size_t len;
  enum gkdc_cbor_err err;
};

/*
 * Sets up `e` to write into `buf` (`cap` bytes, caller-owned). With `buf`
 * NULL the encoder only counts: gkdc_cbor_enc_finish() then returns the
 * length the encoding needs.
 */
void gkdc_cbor_enc_init(struct gkdc_cbor_enc *e, uint8_t *buf, size_t cap);

/* Puts append one item or head; on any error they do nothing. */
void gkdc_cbor_enc_put_uint(struct gkdc_cbor_enc *e, uint64_t v);
void gkdc_cbor_enc_put_int(struct gkdc_cbor_enc *e, int64_t v);
void gkdc_cbor_enc_put_bstr(struct gkdc_cbor_enc *e, const uint8_t *p, size_t len);
void gkdc_cbor_enc_put_tstr(struct gkdc_cbor_enc *e, const char *p, size_t len);
/* Puts a NUL-terminated string as a text string. */
void gkdc_cbor_enc_put_tstr_z(struct gkdc_cbor_enc *e, const char *s);
void gkdc_cbor_enc_put_bool(struct gkdc_cbor_enc *e, int v);
void gkdc_cbor_enc_put_null(struct gkdc_cbor_enc *e);
/* Puts a tag head; the tagged item follows. */
void gkdc_cbor_enc_put_tag(struct gkdc_cbor_enc *e, uint64_t tag);
/* Puts an array head for `count` elements; they follow. */
void gkdc_cbor_enc_put_array(struct gkdc_cbor_enc *e, size_t count);
/*
 * Puts a map head for `pairs` entries written in the caller's order. For
 * deterministic output prefer gkdc_cbor_enc_map_begin()/_end().
 */
void gkdc_cbor_enc_put_map(struct gkdc_cbor_enc *e, size_t pairs);
/* Appends bytes that already are encoded CBOR, unchanged. The caller
 * guarantees they are one well-formed item (or several, in a sequence). */
void gkdc_cbor_enc_put_raw(struct gkdc_cbor_enc *e, const uint8_t *p, size_t len);

/*
 * Starts a map whose entries are sorted at the end. Returns a mark for
 * gkdc_cbor_enc_map_end(). Write the entries as key, value, key, value in
 * any order, then call gkdc_cbor_enc_map_end(e, mark, pairs) with their
 * number. It checks that exactly 2 * `pairs` items were written (else
 * GKDC_CBOR_ERR_INVALID), sorts the entries by their encoded keys, rejects
 * duplicate keys (GKDC_CBOR_ERR_DUPLICATE_KEY) and inserts the map head.
 * In size-only mode it only adds the head's length. Marks nest.
 */
size_t gkdc_cbor_enc_map_begin(struct gkdc_cbor_enc *e);
void gkdc_cbor_enc_map_end(struct gkdc_cbor_enc *e, size_t mark, size_t pairs);

/*
 * Starts a byte string that wraps CBOR encoded next (bstr .cbor), for
 * protected headers and scopes. gkdc_cbor_enc_bstr_end() turns all bytes
 * written since the mark into the content of one byte string.
 */
size_t gkdc_cbor_enc_bstr_begin(struct gkdc_cbor_enc *e);
void gkdc_cbor_enc_bstr_end(struct gkdc_cbor_enc *e, size_t mark);

/* Stores `err` unless an error is stored already. */
void gkdc_cbor_enc_set_error(struct gkdc_cbor_enc *e, enum gkdc_cbor_err err);

/*
 * Ends encoding: returns the stored error, or GKDC_CBOR_OK and the number
 * of bytes written (or needed, in size-only mode) in *len (may be NULL).
 */
enum gkdc_cbor_err gkdc_cbor_enc_finish(struct gkdc_cbor_enc *e, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* GKDC_CBOR_H */
