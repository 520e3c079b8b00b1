/*
 * The pull decoder over validated CBOR: type-checked getters, containers,
 * map lookup and a sticky error.
 */
#include <string.h>

#include "cbor_internal.h"

static void apply_limits(struct gkdc_cbor_dec *d, const struct gkdc_cbor_limits *limits)
{
  d->limits.max_size = GKDC_CBOR_DEFAULT_MAX_SIZE;
  d->limits.max_depth = GKDC_CBOR_DEFAULT_MAX_DEPTH;
  if (limits != NULL && limits->max_size != 0)
    d->limits.max_size = limits->max_size;
  if (limits != NULL && limits->max_depth != 0)
    d->limits.max_depth = limits->max_depth;
  if (d->limits.max_depth > GKDC_CBOR_MAX_DEPTH)
    d->limits.max_depth = GKDC_CBOR_MAX_DEPTH;
}

static enum gkdc_cbor_err setup(struct gkdc_cbor_dec *d, const uint8_t *buf,
                                size_t len, const struct gkdc_cbor_limits *limits,
                                int sequence)
{
  memset(d, 0, sizeof(*d));
  apply_limits(d, limits);
  d->sequence = (uint8_t)sequence;
  d->buf = buf;
  d->len = len;

  if (buf == NULL && len > 0)
    d->err = GKDC_CBOR_ERR_INVALID;
  else if (len > d->limits.max_size)
    d->err = GKDC_CBOR_ERR_TOO_LARGE;
  return d->err;
}

enum gkdc_cbor_err gkdc_cbor_dec_init(struct gkdc_cbor_dec *d, const uint8_t *buf,
                                      size_t len, const struct gkdc_cbor_limits *limits)
{
  size_t end = 0;
  enum gkdc_cbor_err err;

  if (setup(d, buf, len, limits, 0) != GKDC_CBOR_OK)
    return d->err;

  err = gkdc_cbor_validate_at(buf, len, 0, d->limits.max_depth, &end);
  if (err == GKDC_CBOR_OK && end != len)
    err = GKDC_CBOR_ERR_TRAILING;
  d->err = err;
  d->validated_end = len;
  return err;
}

enum gkdc_cbor_err gkdc_cbor_dec_init_seq(struct gkdc_cbor_dec *d, const uint8_t *buf,
                                          size_t len,
                                          const struct gkdc_cbor_limits *limits)
{
  return setup(d, buf, len, limits, 1);
}

/* A decoder of the already validated item buf[start..end), for lookups. */
static void init_sub(struct gkdc_cbor_dec *sub, struct gkdc_cbor_dec *parent,
                     size_t start, size_t end)
{
  memset(sub, 0, sizeof(*sub));
  sub->limits = parent->limits;
  sub->buf = parent->buf + start;
  sub->len = end - start;
  sub->validated_end = sub->len;
  sub->parent = parent;
}

void gkdc_cbor_dec_set_error(struct gkdc_cbor_dec *d, enum gkdc_cbor_err err)
{
  while (d != NULL) {
    if (d->err == GKDC_CBOR_OK)
      d->err = err;
    d = d->parent;
  }
}

enum gkdc_cbor_err gkdc_cbor_dec_error(const struct gkdc_cbor_dec *d)
{
  return d->err;
}

/*
 * Returns 1 if an item can be read at the cursor. In sequence mode a new
 * top-level item is validated here, the first time the cursor reaches it.
 */
static int item_available(struct gkdc_cbor_dec *d)
{
  if (d->err != GKDC_CBOR_OK)
    return 0;
  if (d->in_tag)
    return 1;
  if (d->depth > 0)
    return d->level[d->depth - 1].remaining > 0;
  if (d->pos >= d->len)
    return 0;

  if (d->sequence && d->pos >= d->validated_end) {
    size_t end;
    enum gkdc_cbor_err err =
        gkdc_cbor_validate_at(d->buf, d->len, d->pos, d->limits.max_depth, &end);

    if (err != GKDC_CBOR_OK) {
      gkdc_cbor_dec_set_error(d, err);
      return 0;
    }
    d->validated_end = end;
  }
  return 1;
}

/* Reads the head at the cursor, storing GKDC_CBOR_ERR_NO_MORE when there
 * is no item. */
static int peek_head(struct gkdc_cbor_dec *d, struct gkdc_cbor_head *h)
{
  enum gkdc_cbor_err err;

  if (!item_available(d)) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_NO_MORE);
    return 0;
  }
  err = gkdc_cbor_read_head(d->buf + d->pos, d->len - d->pos, h);
  if (err != GKDC_CBOR_OK) {
    gkdc_cbor_dec_set_error(d, err);
    return 0;
  }
  return 1;
}

/* Counts one complete item (or a container's head) against the innermost
 * container and clears the pending-tag state. */
static void count_item(struct gkdc_cbor_dec *d)
{
  d->in_tag = 0;
  if (d->depth > 0)
    d->level[d->depth - 1].remaining--;
}

/* Consumes a scalar whose head is `h`. */
static void consume(struct gkdc_cbor_dec *d, const struct gkdc_cbor_head *h)
{
  d->pos += h->item_len;
  count_item(d);
}

enum gkdc_cbor_type gkdc_cbor_dec_peek_type(struct gkdc_cbor_dec *d)
{
  struct gkdc_cbor_head h;

  if (!item_available(d))
    return GKDC_CBOR_TYPE_NONE;
  if (gkdc_cbor_read_head(d->buf + d->pos, d->len - d->pos, &h) != GKDC_CBOR_OK)
    return GKDC_CBOR_TYPE_NONE;
  return h.type;
}

int gkdc_cbor_dec_at_end(struct gkdc_cbor_dec *d)
{
  return !item_available(d);
}

/* Reads the next head and checks its type; stores GKDC_CBOR_ERR_TYPE on a
 * mismatch. */
static int expect(struct gkdc_cbor_dec *d, enum gkdc_cbor_type type,
                  struct gkdc_cbor_head *h)
{
  if (!peek_head(d, h))
    return 0;
  if (h->type != type) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return 0;
  }
  return 1;
}

int gkdc_cbor_dec_get_uint(struct gkdc_cbor_dec *d, uint64_t *out)
{
  struct gkdc_cbor_head h;

  if (!expect(d, GKDC_CBOR_TYPE_UINT, &h))
    return 0;
  consume(d, &h);
  *out = h.arg;
  return 1;
}

int gkdc_cbor_dec_get_int(struct gkdc_cbor_dec *d, int64_t *out)
{
  struct gkdc_cbor_head h;

  if (!peek_head(d, &h))
    return 0;
  if (h.type != GKDC_CBOR_TYPE_UINT && h.type != GKDC_CBOR_TYPE_NEGINT) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return 0;
  }
  /* A negative integer is -1 - arg; both forms must fit int64_t. */
  if (h.arg > (uint64_t)INT64_MAX) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_RANGE);
    return 0;
  }
  consume(d, &h);
  *out = h.type == GKDC_CBOR_TYPE_UINT ? (int64_t)h.arg : -1 - (int64_t)h.arg;
  return 1;
}

static int get_string(struct gkdc_cbor_dec *d, enum gkdc_cbor_type type,
                      struct gkdc_bytes *out)
{
  struct gkdc_cbor_head h;

  if (!expect(d, type, &h))
    return 0;
  consume(d, &h);
  out->ptr = h.str;
  out->len = (size_t)h.arg;
  return 1;
}

int gkdc_cbor_dec_get_bstr(struct gkdc_cbor_dec *d, struct gkdc_bytes *out)
{
  return get_string(d, GKDC_CBOR_TYPE_BSTR, out);
}

int gkdc_cbor_dec_get_tstr(struct gkdc_cbor_dec *d, struct gkdc_bytes *out)
{
  return get_string(d, GKDC_CBOR_TYPE_TSTR, out);
}

int gkdc_cbor_dec_get_bool(struct gkdc_cbor_dec *d, int *out)
{
  struct gkdc_cbor_head h;

  if (!peek_head(d, &h))
    return 0;
  if (h.type != GKDC_CBOR_TYPE_TRUE && h.type != GKDC_CBOR_TYPE_FALSE) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return 0;
  }
  consume(d, &h);
  *out = h.type == GKDC_CBOR_TYPE_TRUE;
  return 1;
}

int gkdc_cbor_dec_get_null(struct gkdc_cbor_dec *d)
{
  struct gkdc_cbor_head h;

  if (!expect(d, GKDC_CBOR_TYPE_NULL, &h))
    return 0;
  consume(d, &h);
  return 1;
}

int gkdc_cbor_dec_get_float(struct gkdc_cbor_dec *d, double *out)
{
  struct gkdc_cbor_head h;

  if (!expect(d, GKDC_CBOR_TYPE_FLOAT, &h))
    return 0;
  consume(d, &h);
  *out = h.f;
  return 1;
}

int gkdc_cbor_dec_get_tag(struct gkdc_cbor_dec *d, uint64_t *out)
{
  struct gkdc_cbor_head h;

  if (!expect(d, GKDC_CBOR_TYPE_TAG, &h))
    return 0;
  /* The tag and its content count as one item of the container, so only
   * the content's consumption is counted. */
  d->pos += h.head_len;
  d->in_tag = 1;
  *out = h.arg;
  return 1;
}

int gkdc_cbor_dec_skip_tag(struct gkdc_cbor_dec *d, uint64_t tag)
{
  struct gkdc_cbor_head h;

  if (!item_available(d))
    return 0;
  if (gkdc_cbor_read_head(d->buf + d->pos, d->len - d->pos, &h) != GKDC_CBOR_OK)
    return 0;
  if (h.type != GKDC_CBOR_TYPE_TAG || h.arg != tag)
    return 0;
  d->pos += h.head_len;
  d->in_tag = 1;
  return 1;
}

int gkdc_cbor_dec_get_raw(struct gkdc_cbor_dec *d, struct gkdc_bytes *out)
{
  struct gkdc_cbor_head h;
  enum gkdc_cbor_err err;
  size_t end;

  if (!peek_head(d, &h))
    return 0;
  err = gkdc_cbor_item_end(d->buf, d->len, d->pos, &end);
  if (err != GKDC_CBOR_OK) {
    gkdc_cbor_dec_set_error(d, err);
    return 0;
  }
  if (out != NULL) {
    out->ptr = d->buf + d->pos;
    out->len = end - d->pos;
  }
  d->pos = end;
  count_item(d);
  return 1;
}

int gkdc_cbor_dec_skip(struct gkdc_cbor_dec *d)
{
  return gkdc_cbor_dec_get_raw(d, NULL);
}

static int enter(struct gkdc_cbor_dec *d, enum gkdc_cbor_type type, size_t *count)
{
  struct gkdc_cbor_head h;
  struct gkdc_cbor_level *lv;
  size_t end;
  enum gkdc_cbor_err err;

  if (!expect(d, type, &h))
    return 0;
  if (d->depth >= GKDC_CBOR_MAX_DEPTH) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TOO_DEEP);
    return 0;
  }
  err = gkdc_cbor_item_end(d->buf, d->len, d->pos, &end);
  if (err != GKDC_CBOR_OK) {
    gkdc_cbor_dec_set_error(d, err);
    return 0;
  }

  count_item(d);
  lv = &d->level[d->depth++];
  lv->start = d->pos;
  lv->end = end;
  lv->is_map = type == GKDC_CBOR_TYPE_MAP;
  lv->remaining = (size_t)(lv->is_map ? 2 * h.arg : h.arg);
  d->pos += h.head_len;
  if (count != NULL)
    *count = (size_t)h.arg;
  return 1;
}

int gkdc_cbor_dec_enter_array(struct gkdc_cbor_dec *d, size_t *count)
{
  return enter(d, GKDC_CBOR_TYPE_ARRAY, count);
}

int gkdc_cbor_dec_enter_map(struct gkdc_cbor_dec *d, size_t *count)
{
  return enter(d, GKDC_CBOR_TYPE_MAP, count);
}

int gkdc_cbor_dec_exit(struct gkdc_cbor_dec *d)
{
  if (d->err != GKDC_CBOR_OK)
    return 0;
  if (d->depth == 0) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_NESTING);
    return 0;
  }
  /* A tag read without its content is skipped with the rest. */
  d->in_tag = 0;
  d->depth--;
  d->pos = d->level[d->depth].end;
  return 1;
}

/*
 * Walks the pairs of the innermost entered map and calls `match` on each
 * key head; on a match sets up `value` over the pair's value.
 */
static int map_find(struct gkdc_cbor_dec *d,
                    int (*match)(const struct gkdc_cbor_head *h, const void *key),
                    const void *key, struct gkdc_cbor_dec *value)
{
  const struct gkdc_cbor_level *lv;
  struct gkdc_cbor_head h;
  size_t pos;
  enum gkdc_cbor_err err;

  memset(value, 0, sizeof(*value));
  value->err = GKDC_CBOR_ERR_NO_MORE;
  if (d->err != GKDC_CBOR_OK)
    return 0;
  if (d->depth == 0 || !d->level[d->depth - 1].is_map) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return 0;
  }

  lv = &d->level[d->depth - 1];
  err = gkdc_cbor_read_head(d->buf + lv->start, lv->end - lv->start, &h);
  pos = lv->start + h.head_len;
  while (err == GKDC_CBOR_OK && pos < lv->end) {
    size_t key_end;
    size_t value_end;
    struct gkdc_cbor_head key_head;

    err = gkdc_cbor_read_head(d->buf + pos, lv->end - pos, &key_head);
    if (err == GKDC_CBOR_OK)
      err = gkdc_cbor_item_end(d->buf, lv->end, pos, &key_end);
    if (err == GKDC_CBOR_OK)
      err = gkdc_cbor_item_end(d->buf, lv->end, key_end, &value_end);
    if (err != GKDC_CBOR_OK)
      break;
    if (match(&key_head, key)) {
      init_sub(value, d, key_end, value_end);
      return 1;
    }
    pos = value_end;
  }

  if (err != GKDC_CBOR_OK)
    gkdc_cbor_dec_set_error(d, err);
  return 0;
}

static int match_int(const struct gkdc_cbor_head *h, const void *key)
{
  int64_t k = *(const int64_t *)key;

  if (h->type == GKDC_CBOR_TYPE_UINT)
    return k >= 0 && h->arg == (uint64_t)k;
  if (h->type == GKDC_CBOR_TYPE_NEGINT)
    return k < 0 && h->arg == (uint64_t)(-1 - k);
  return 0;
}

static int match_tstr(const struct gkdc_cbor_head *h, const void *key)
{
  const char *k = key;
  size_t n = strlen(k);

  return h->type == GKDC_CBOR_TYPE_TSTR && h->arg == n && memcmp(h->str, k, n) == 0;
}

int gkdc_cbor_dec_map_find_int(struct gkdc_cbor_dec *d, int64_t key,
                               struct gkdc_cbor_dec *value)
{
  return map_find(d, match_int, &key, value);
}

int gkdc_cbor_dec_map_find_tstr(struct gkdc_cbor_dec *d, const char *key,
                                struct gkdc_cbor_dec *value)
{
  if (key == NULL) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_INVALID);
    memset(value, 0, sizeof(*value));
    value->err = GKDC_CBOR_ERR_INVALID;
    return 0;
  }
  return map_find(d, match_tstr, key, value);
}

enum gkdc_cbor_err gkdc_cbor_dec_finish(struct gkdc_cbor_dec *d)
{
  if (d->err != GKDC_CBOR_OK)
    return d->err;
  if (d->depth > 0)
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_NESTING);
  else if (d->in_tag || d->pos < d->len)
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_UNCONSUMED);
  return d->err;
}
