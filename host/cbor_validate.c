/*
 * The validation pass of the CBOR decoder: every check runs here once,
 * before any value is handed out.
 */
#include <stdlib.h>
#include <string.h>

#include "cbor_internal.h"

/* Maps up to this many pairs compare their keys in a stack array. */
#define SMALL_MAP 16

struct validator {
  const uint8_t *buf;
  size_t len;
  unsigned max_depth;
};

/* Returns 1 if p[0..n) is valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static int utf8_valid(const uint8_t *p, size_t n)
{
  size_t i = 0;

  while (i < n) {
    uint8_t c = p[i];
    size_t extra;
    uint32_t cp;
    uint32_t min;

    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return 0;
    }
    if (extra > n - i - 1)
      return 0;
    for (size_t k = 1; k <= extra; k++) {
      if ((p[i + k] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += extra + 1;
  }
  return 1;
}

static enum gkdc_cbor_err validate_item(const struct validator *v, size_t pos,
                                        unsigned depth, size_t *end);

/* Validates `count` pairs starting at `pos` and rejects duplicate keys. */
static enum gkdc_cbor_err validate_map(const struct validator *v, size_t pos,
                                       uint64_t count, unsigned depth, size_t *end)
{
  struct gkdc_cbor_span small[SMALL_MAP];
  struct gkdc_cbor_span *keys = small;
  enum gkdc_cbor_err err = GKDC_CBOR_OK;
  uint64_t i;

  /* Each pair takes at least two bytes, so the count is bounded by the
   * input before anything is allocated for it. */
  if (count > (v->len - pos) / 2)
    return GKDC_CBOR_ERR_BAD_COUNT;
  if (count > SMALL_MAP) {
    keys = malloc((size_t)count * sizeof(*keys));
    if (keys == NULL)
      return GKDC_CBOR_ERR_NOMEM;
  }

  for (i = 0; i < count && err == GKDC_CBOR_OK; i++) {
    size_t key_end;

    err = validate_item(v, pos, depth, &key_end);
    if (err != GKDC_CBOR_OK)
      break;
    keys[i].ptr = v->buf + pos;
    keys[i].len = key_end - pos;
    err = validate_item(v, key_end, depth, &pos);
  }

  if (err == GKDC_CBOR_OK && count > 1) {
    qsort(keys, (size_t)count, sizeof(*keys), gkdc_cbor_span_cmp);
    for (i = 1; i < count; i++) {
      if (gkdc_cbor_span_cmp(&keys[i - 1], &keys[i]) == 0) {
        err = GKDC_CBOR_ERR_DUPLICATE_KEY;
        break;
      }
    }
  }

  if (keys != small)
    free(keys);
  if (err == GKDC_CBOR_OK)
    *end = pos;
  return err;
}

/*
 * Validates the item at `pos` whose container sits at nesting `depth`
 * (0 for a top-level item); children of containers and tags sit one level
 * deeper. Recursion is bounded by max_depth.
 */
static enum gkdc_cbor_err validate_item(const struct validator *v, size_t pos,
                                        unsigned depth, size_t *end)
{
  struct gkdc_cbor_head h;
  enum gkdc_cbor_err err;
  uint64_t i;

  if (pos >= v->len)
    return GKDC_CBOR_ERR_TRUNCATED;
  err = gkdc_cbor_read_head(v->buf + pos, v->len - pos, &h);
  if (err != GKDC_CBOR_OK)
    return err;
  pos += h.item_len;

  switch (h.type) {
  case GKDC_CBOR_TYPE_TSTR:
    if (!utf8_valid(h.str, (size_t)h.arg))
      return GKDC_CBOR_ERR_BAD_UTF8;
    break;

  case GKDC_CBOR_TYPE_ARRAY:
    if (depth + 1 > v->max_depth)
      return GKDC_CBOR_ERR_TOO_DEEP;
    if (h.arg > v->len - pos)
      return GKDC_CBOR_ERR_BAD_COUNT;
    for (i = 0; i < h.arg; i++) {
      err = validate_item(v, pos, depth + 1, &pos);
      if (err != GKDC_CBOR_OK)
        return err;
    }
    break;

  case GKDC_CBOR_TYPE_MAP:
    if (depth + 1 > v->max_depth)
      return GKDC_CBOR_ERR_TOO_DEEP;
    err = validate_map(v, pos, h.arg, depth + 1, &pos);
    if (err != GKDC_CBOR_OK)
      return err;
    break;

  case GKDC_CBOR_TYPE_TAG:
    if (depth + 1 > v->max_depth)
      return GKDC_CBOR_ERR_TOO_DEEP;
    err = validate_item(v, pos, depth + 1, &pos);
    if (err != GKDC_CBOR_OK)
      return err;
    break;

  default:
    break;
  }

  *end = pos;
  return GKDC_CBOR_OK;
}

enum gkdc_cbor_err gkdc_cbor_validate_at(const uint8_t *buf, size_t len, size_t pos,
                                         unsigned max_depth, size_t *end)
{
  struct validator v = {buf, len, max_depth};

  return validate_item(&v, pos, 0, end);
}

enum gkdc_cbor_err gkdc_cbor_validate(const uint8_t *buf, size_t len,
                                      const struct gkdc_cbor_limits *limits)
{
  struct gkdc_cbor_dec d;

  return gkdc_cbor_dec_init(&d, buf, len, limits);
}
