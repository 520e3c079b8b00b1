/*
 * The CBOR encoder: libcbor's cbor_encode_* functions writing into a
 * caller-owned buffer, with a sticky error, a size-only mode, sorted maps
 * and byte-string wrapping.
 */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_internal.h"

/* Maps up to this many pairs sort their entries in a stack array. */
#define SMALL_MAP 16

void gkdc_cbor_enc_init(struct gkdc_cbor_enc *e, uint8_t *buf, size_t cap)
{
  e->buf = buf;
  e->cap = buf != NULL ? cap : 0;
  e->len = 0;
  e->err = GKDC_CBOR_OK;
}

void gkdc_cbor_enc_set_error(struct gkdc_cbor_enc *e, enum gkdc_cbor_err err)
{
  if (e->err == GKDC_CBOR_OK)
    e->err = err;
}

/* Reserves `n` bytes; returns 1 when they fit (or in size-only mode). */
static int reserve(struct gkdc_cbor_enc *e, size_t n)
{
  if (e->err != GKDC_CBOR_OK)
    return 0;
  if (n > SIZE_MAX - e->len) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_OVERFLOW);
    return 0;
  }
  if (e->buf != NULL && n > e->cap - e->len) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_OVERFLOW);
    return 0;
  }
  return 1;
}

/* Major types as the first argument of put_head(). */
enum head_kind {
  HEAD_UINT,
  HEAD_NEGINT,
  HEAD_BSTR,
  HEAD_TSTR,
  HEAD_ARRAY,
  HEAD_MAP,
  HEAD_TAG,
};

/* Writes a head at buf (which has room for its shortest form). */
static size_t write_head(enum head_kind kind, uint64_t arg, uint8_t *buf, size_t cap)
{
  switch (kind) {
  case HEAD_UINT: return cbor_encode_uint(arg, buf, cap);
  case HEAD_NEGINT: return cbor_encode_negint(arg, buf, cap);
  case HEAD_BSTR: return cbor_encode_bytestring_start((size_t)arg, buf, cap);
  case HEAD_TSTR: return cbor_encode_string_start((size_t)arg, buf, cap);
  case HEAD_ARRAY: return cbor_encode_array_start((size_t)arg, buf, cap);
  case HEAD_MAP: return cbor_encode_map_start((size_t)arg, buf, cap);
  case HEAD_TAG: return cbor_encode_tag(arg, buf, cap);
  }
  return 0;
}

static void put_head(struct gkdc_cbor_enc *e, enum head_kind kind, uint64_t arg)
{
  size_t n = gkdc_cbor_head_size(arg);

  if (!reserve(e, n))
    return;
  if (e->buf != NULL && write_head(kind, arg, e->buf + e->len, n) != n) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_OVERFLOW);
    return;
  }
  e->len += n;
}

static void put_bytes(struct gkdc_cbor_enc *e, const void *p, size_t n)
{
  if (!reserve(e, n))
    return;
  if (e->buf != NULL && n > 0)
    memcpy(e->buf + e->len, p, n);
  e->len += n;
}

void gkdc_cbor_enc_put_uint(struct gkdc_cbor_enc *e, uint64_t v)
{
  put_head(e, HEAD_UINT, v);
}

void gkdc_cbor_enc_put_int(struct gkdc_cbor_enc *e, int64_t v)
{
  if (v >= 0)
    put_head(e, HEAD_UINT, (uint64_t)v);
  else
    put_head(e, HEAD_NEGINT, (uint64_t)(-1 - v));
}

void gkdc_cbor_enc_put_bstr(struct gkdc_cbor_enc *e, const uint8_t *p, size_t len)
{
  if (p == NULL && len > 0) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_INVALID);
    return;
  }
  put_head(e, HEAD_BSTR, len);
  put_bytes(e, p, len);
}

void gkdc_cbor_enc_put_tstr(struct gkdc_cbor_enc *e, const char *p, size_t len)
{
  if (p == NULL && len > 0) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_INVALID);
    return;
  }
  put_head(e, HEAD_TSTR, len);
  put_bytes(e, p, len);
}

void gkdc_cbor_enc_put_tstr_z(struct gkdc_cbor_enc *e, const char *s)
{
  if (s == NULL) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_INVALID);
    return;
  }
  gkdc_cbor_enc_put_tstr(e, s, strlen(s));
}

void gkdc_cbor_enc_put_bool(struct gkdc_cbor_enc *e, int v)
{
  uint8_t b = v ? 0xf5 : 0xf4;

  put_bytes(e, &b, 1);
}

void gkdc_cbor_enc_put_null(struct gkdc_cbor_enc *e)
{
  uint8_t b = 0xf6;

  put_bytes(e, &b, 1);
}

void gkdc_cbor_enc_put_tag(struct gkdc_cbor_enc *e, uint64_t tag)
{
  put_head(e, HEAD_TAG, tag);
}

void gkdc_cbor_enc_put_array(struct gkdc_cbor_enc *e, size_t count)
{
  put_head(e, HEAD_ARRAY, count);
}

void gkdc_cbor_enc_put_map(struct gkdc_cbor_enc *e, size_t pairs)
{
  put_head(e, HEAD_MAP, pairs);
}

void gkdc_cbor_enc_put_raw(struct gkdc_cbor_enc *e, const uint8_t *p, size_t len)
{
  if (p == NULL && len > 0) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_INVALID);
    return;
  }
  put_bytes(e, p, len);
}

/*
 * Inserts a head in front of the bytes written since `mark` by moving
 * them up. In size-only mode only the length grows.
 */
static void insert_head(struct gkdc_cbor_enc *e, size_t mark, enum head_kind kind,
                        uint64_t arg)
{
  size_t n = gkdc_cbor_head_size(arg);

  if (!reserve(e, n))
    return;
  if (e->buf != NULL) {
    memmove(e->buf + mark + n, e->buf + mark, e->len - mark);
    if (write_head(kind, arg, e->buf + mark, n) != n) {
      gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_OVERFLOW);
      return;
    }
  }
  e->len += n;
}

size_t gkdc_cbor_enc_map_begin(struct gkdc_cbor_enc *e)
{
  return e->len;
}

size_t gkdc_cbor_enc_bstr_begin(struct gkdc_cbor_enc *e)
{
  return e->len;
}

void gkdc_cbor_enc_bstr_end(struct gkdc_cbor_enc *e, size_t mark)
{
  if (e->err != GKDC_CBOR_OK)
    return;
  if (mark > e->len) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_INVALID);
    return;
  }
  insert_head(e, mark, HEAD_BSTR, e->len - mark);
}

/*
 * Splits the region buf[mark..len) into exactly `pairs` entries, sorts
 * them by key and rewrites the region in that order.
 */
static enum gkdc_cbor_err sort_entries(struct gkdc_cbor_enc *e, size_t mark,
                                       size_t pairs)
{
  struct gkdc_cbor_span small[SMALL_MAP];
  struct gkdc_cbor_span *ent = small;
  enum gkdc_cbor_err err = GKDC_CBOR_OK;
  size_t region = e->len - mark;
  size_t pos = mark;
  uint8_t *tmp = NULL;
  size_t i;

  /* Every entry takes at least two bytes. */
  if (pairs > region / 2)
    return GKDC_CBOR_ERR_INVALID;
  if (pairs > SMALL_MAP) {
    ent = malloc(pairs * sizeof(*ent));
    if (ent == NULL)
      return GKDC_CBOR_ERR_NOMEM;
  }

  for (i = 0; i < pairs && err == GKDC_CBOR_OK; i++) {
    size_t key_end;
    size_t value_end;

    err = gkdc_cbor_item_end(e->buf, e->len, pos, &key_end);
    if (err == GKDC_CBOR_OK)
      err = gkdc_cbor_item_end(e->buf, e->len, key_end, &value_end);
    if (err != GKDC_CBOR_OK)
      break;
    ent[i].ptr = e->buf + pos;
    ent[i].len = key_end - pos;
    ent[i].value_len = value_end - key_end;
    pos = value_end;
  }
  if (err != GKDC_CBOR_OK || pos != e->len)
    err = GKDC_CBOR_ERR_INVALID;

  if (err == GKDC_CBOR_OK && pairs > 1) {
    qsort(ent, pairs, sizeof(*ent), gkdc_cbor_span_cmp);
    for (i = 1; i < pairs && err == GKDC_CBOR_OK; i++) {
      if (gkdc_cbor_span_cmp(&ent[i - 1], &ent[i]) == 0)
        err = GKDC_CBOR_ERR_DUPLICATE_KEY;
    }
  }

  if (err == GKDC_CBOR_OK && pairs > 1) {
    tmp = malloc(region);
    if (tmp == NULL)
      err = GKDC_CBOR_ERR_NOMEM;
  }
  if (err == GKDC_CBOR_OK && tmp != NULL) {
    size_t out = 0;

    for (i = 0; i < pairs; i++) {
      size_t n = ent[i].len + ent[i].value_len;

      memcpy(tmp + out, ent[i].ptr, n);
      out += n;
    }
    memcpy(e->buf + mark, tmp, region);
  }

  free(tmp);
  if (ent != small)
    free(ent);
  return err;
}

void gkdc_cbor_enc_map_end(struct gkdc_cbor_enc *e, size_t mark, size_t pairs)
{
  enum gkdc_cbor_err err;

  if (e->err != GKDC_CBOR_OK)
    return;
  if (mark > e->len) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_INVALID);
    return;
  }
  if (e->buf != NULL) {
    err = sort_entries(e, mark, pairs);
    if (err != GKDC_CBOR_OK) {
      gkdc_cbor_enc_set_error(e, err);
      return;
    }
  }
  insert_head(e, mark, HEAD_MAP, pairs);
}

enum gkdc_cbor_err gkdc_cbor_enc_finish(struct gkdc_cbor_enc *e, size_t *len)
{
  if (e->err == GKDC_CBOR_OK && len != NULL)
    *len = e->len;
  return e->err;
}
