/*
 * Reading one CBOR head with libcbor's streaming decoder, and the small
 * helpers that the validator, the decoder and the encoder share.
 */
#include <string.h>

#include <cbor.h>

#include "cbor_internal.h"

/* Values reported by the callbacks; `called` stays 0 when no accepted
 * callback ran. */
struct head_event {
  enum gkdc_cbor_type type;
  uint64_t arg;
  const uint8_t *str;
  double f;
  int indefinite;
  int called;
};

static void set_event(void *c, enum gkdc_cbor_type type, uint64_t arg)
{
  struct head_event *e = c;

  e->type = type;
  e->arg = arg;
  e->called = 1;
}

static void on_uint8(void *c, uint8_t v) { set_event(c, GKDC_CBOR_TYPE_UINT, v); }
static void on_uint16(void *c, uint16_t v) { set_event(c, GKDC_CBOR_TYPE_UINT, v); }
static void on_uint32(void *c, uint32_t v) { set_event(c, GKDC_CBOR_TYPE_UINT, v); }
static void on_uint64(void *c, uint64_t v) { set_event(c, GKDC_CBOR_TYPE_UINT, v); }
static void on_negint8(void *c, uint8_t v) { set_event(c, GKDC_CBOR_TYPE_NEGINT, v); }
static void on_negint16(void *c, uint16_t v) { set_event(c, GKDC_CBOR_TYPE_NEGINT, v); }
static void on_negint32(void *c, uint32_t v) { set_event(c, GKDC_CBOR_TYPE_NEGINT, v); }
static void on_negint64(void *c, uint64_t v) { set_event(c, GKDC_CBOR_TYPE_NEGINT, v); }

static void on_bstr(void *c, cbor_data p, size_t n)
{
  struct head_event *e = c;

  set_event(c, GKDC_CBOR_TYPE_BSTR, n);
  e->str = p;
}

static void on_tstr(void *c, cbor_data p, size_t n)
{
  struct head_event *e = c;

  set_event(c, GKDC_CBOR_TYPE_TSTR, n);
  e->str = p;
}

static void on_array(void *c, size_t n) { set_event(c, GKDC_CBOR_TYPE_ARRAY, n); }
static void on_map(void *c, size_t n) { set_event(c, GKDC_CBOR_TYPE_MAP, n); }
static void on_tag(void *c, uint64_t v) { set_event(c, GKDC_CBOR_TYPE_TAG, v); }
static void on_undefined(void *c) { set_event(c, GKDC_CBOR_TYPE_UNDEFINED, 0); }
static void on_null(void *c) { set_event(c, GKDC_CBOR_TYPE_NULL, 0); }

static void on_double(void *c, double v)
{
  struct head_event *e = c;

  set_event(c, GKDC_CBOR_TYPE_FLOAT, 0);
  e->f = v;
}

static void on_float(void *c, float v)
{
  on_double(c, v);
}

static void on_bool(void *c, bool v)
{
  set_event(c, v ? GKDC_CBOR_TYPE_TRUE : GKDC_CBOR_TYPE_FALSE, 0);
}

/* Indefinite-length starts and the break code. */
static void on_indefinite(void *c)
{
  struct head_event *e = c;

  e->indefinite = 1;
}

/*
 * libcbor 0.8 swaps the names of some members relative to their comments:
 * `byte_string` and `string` receive definite strings, `byte_string_start`
 * and `string_start` indefinite ones, `array_start` and `map_start` get the
 * definite counts.
 */
static const struct cbor_callbacks head_callbacks = {
    .uint8 = on_uint8,
    .uint16 = on_uint16,
    .uint32 = on_uint32,
    .uint64 = on_uint64,
    .negint8 = on_negint8,
    .negint16 = on_negint16,
    .negint32 = on_negint32,
    .negint64 = on_negint64,
    .byte_string_start = on_indefinite,
    .byte_string = on_bstr,
    .string = on_tstr,
    .string_start = on_indefinite,
    .indef_array_start = on_indefinite,
    .array_start = on_array,
    .indef_map_start = on_indefinite,
    .map_start = on_map,
    .tag = on_tag,
    .float2 = on_float,
    .float4 = on_float,
    .float8 = on_double,
    .undefined = on_undefined,
    .null = on_null,
    .boolean = on_bool,
    .indef_break = on_indefinite,
};

size_t gkdc_cbor_head_size(uint64_t arg)
{
  if (arg < 24)
    return 1;
  if (arg <= UINT8_MAX)
    return 2;
  if (arg <= UINT16_MAX)
    return 3;
  if (arg <= UINT32_MAX)
    return 5;
  return 9;
}

enum gkdc_cbor_err gkdc_cbor_read_head(const uint8_t *p, size_t n,
                                       struct gkdc_cbor_head *h)
{
  struct head_event ev;
  struct cbor_decoder_result r;
  uint8_t major;

  if (n == 0)
    return GKDC_CBOR_ERR_TRUNCATED;

  /* Reserved additional information 28..30 is malformed in every major
   * type; 31 is indefinite length or break. */
  major = p[0] >> 5;
  if ((p[0] & 0x1f) == 31)
    return major == 7 ? GKDC_CBOR_ERR_MALFORMED : GKDC_CBOR_ERR_INDEFINITE;

  /* libcbor 0.8's cbor_stream_decode() reports an error for the one-byte
   * tag heads 0xc6..0xd4 (tags 6 to 20), which include COSE_Encrypt0 (16),
   * COSE_Mac0 (17) and COSE_Sign1 (18), so every one-byte tag head is read
   * here. */
  if (major == 6 && (p[0] & 0x1f) < 24) {
    memset(h, 0, sizeof(*h));
    h->type = GKDC_CBOR_TYPE_TAG;
    h->arg = p[0] & 0x1f;
    h->head_len = 1;
    h->item_len = 1;
    return GKDC_CBOR_OK;
  }

  memset(&ev, 0, sizeof(ev));
  r = cbor_stream_decode(p, n, &head_callbacks, &ev);
  if (r.status == CBOR_DECODER_NEDATA)
    return GKDC_CBOR_ERR_TRUNCATED;
  if (r.status != CBOR_DECODER_FINISHED || ev.indefinite || !ev.called)
    return GKDC_CBOR_ERR_MALFORMED;
  if (r.read == 0 || r.read > n)
    return GKDC_CBOR_ERR_MALFORMED;

  memset(h, 0, sizeof(*h));
  h->type = ev.type;
  h->arg = ev.arg;
  h->f = ev.f;
  h->item_len = r.read;
  h->head_len = r.read;

  if (ev.type == GKDC_CBOR_TYPE_BSTR || ev.type == GKDC_CBOR_TYPE_TSTR) {
    /* libcbor already required the whole content; check it again. */
    if (ev.arg > r.read || ev.str != p + (r.read - ev.arg))
      return GKDC_CBOR_ERR_MALFORMED;
    h->head_len = r.read - (size_t)ev.arg;
    h->str = ev.str;
  }

  /* Major types 0 to 6 carry an argument whose head must be the shortest;
   * floats (major type 7) may use any width. */
  if (major <= 6 && h->head_len != gkdc_cbor_head_size(h->arg))
    return GKDC_CBOR_ERR_NOT_SHORTEST;
  if (major == 7 && ev.type != GKDC_CBOR_TYPE_FLOAT && h->head_len != 1)
    return GKDC_CBOR_ERR_MALFORMED;

  return GKDC_CBOR_OK;
}

enum gkdc_cbor_err gkdc_cbor_item_end(const uint8_t *buf, size_t len, size_t pos,
                                      size_t *end)
{
  struct gkdc_cbor_head h;
  enum gkdc_cbor_err err;
  uint64_t pending = 1;

  /* Each head removes one pending item and adds its children. */
  while (pending > 0) {
    if (pos > len)
      return GKDC_CBOR_ERR_TRUNCATED;
    err = gkdc_cbor_read_head(buf + pos, len - pos, &h);
    if (err != GKDC_CBOR_OK)
      return err;
    pos += h.item_len;
    pending--;

    if (h.type == GKDC_CBOR_TYPE_ARRAY || h.type == GKDC_CBOR_TYPE_MAP) {
      /* Every item takes at least one byte. */
      if (h.arg > len - pos)
        return GKDC_CBOR_ERR_BAD_COUNT;
      pending += h.type == GKDC_CBOR_TYPE_MAP ? 2 * h.arg : h.arg;
    } else if (h.type == GKDC_CBOR_TYPE_TAG) {
      pending++;
    }
    if (pending > len - pos)
      return GKDC_CBOR_ERR_BAD_COUNT;
  }

  *end = pos;
  return GKDC_CBOR_OK;
}

int gkdc_cbor_span_cmp(const void *a, const void *b)
{
  const struct gkdc_cbor_span *x = a;
  const struct gkdc_cbor_span *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = n > 0 ? memcmp(x->ptr, y->ptr, n) : 0;

  if (c != 0)
    return c;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  return 0;
}

const char *gkdc_cbor_err_str(enum gkdc_cbor_err err)
{
  switch (err) {
  case GKDC_CBOR_OK: return "success";
  case GKDC_CBOR_ERR_TRUNCATED: return "CBOR input ends inside an item";
  case GKDC_CBOR_ERR_MALFORMED: return "CBOR input is not well-formed";
  case GKDC_CBOR_ERR_INDEFINITE: return "indefinite-length CBOR item not allowed";
  case GKDC_CBOR_ERR_NOT_SHORTEST: return "CBOR head not in shortest form";
  case GKDC_CBOR_ERR_TOO_DEEP: return "CBOR nesting too deep";
  case GKDC_CBOR_ERR_TOO_LARGE: return "CBOR input too large";
  case GKDC_CBOR_ERR_BAD_COUNT: return "CBOR array or map count exceeds the input";
  case GKDC_CBOR_ERR_DUPLICATE_KEY: return "duplicate CBOR map key";
  case GKDC_CBOR_ERR_TRAILING: return "trailing bytes after the CBOR item";
  case GKDC_CBOR_ERR_BAD_UTF8: return "CBOR text string is not valid UTF-8";
  case GKDC_CBOR_ERR_TYPE: return "unexpected CBOR type";
  case GKDC_CBOR_ERR_RANGE: return "CBOR integer out of range";
  case GKDC_CBOR_ERR_NO_MORE: return "no more CBOR items";
  case GKDC_CBOR_ERR_NESTING: return "CBOR container entered and exited unevenly";
  case GKDC_CBOR_ERR_UNCONSUMED: return "CBOR items left unread";
  case GKDC_CBOR_ERR_VALUE: return "invalid value in CBOR input";
  case GKDC_CBOR_ERR_OVERFLOW: return "CBOR output buffer too small";
  case GKDC_CBOR_ERR_NOMEM: return "out of memory";
  case GKDC_CBOR_ERR_INVALID: return "invalid argument";
  }
  return "unknown CBOR error";
}
