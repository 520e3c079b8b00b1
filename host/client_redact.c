/*
 * Diagnostic output of the client tools without key material. The CBOR
 * item is copied with each secret byte string replaced by a placeholder
 * text string, printed with gkdc_cbor_diag(), and each placeholder is then
 * printed as h'' with a comment giving the length of the secret.
 *
 * Secrets are found by their place in the item:
 *   - the OSCORE Master Secret (label 2) of OSCORE_Input_Material under
 *     cnf's osc (label 4, RFC 9203 section 3.2.1) and of
 *     Group_OSCORE_Input_Material under key (label 8, RFC 9594 section 6);
 *   - COSE_Key private parts: k (-1) of a Symmetric key (kty 4), d (-4)
 *     of an OKP or EC2 key, and the private labels (-4 and below) of an
 *     RSA key (RFC 9053 and RFC 8230);
 *   - sign_enc_key (label 33) at the top level of a Groupcomm map.
 * Byte strings that contain CBOR containers are redacted inside as well.
 * A label can mean something else in another map: an unknown byte string
 * at such a place is hidden too, which only hides more than needed.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/appprofile.h>
#include <gkdc/as.h>
#include <gkdc/cbor.h>
#include <gkdc/crypto.h>
#include <gkdc/kdc.h>

#include "client_tool.h"

/* The placeholder that stands for a secret of N bytes: "PREFIX" N. */
#define PLACEHOLDER_PREFIX "gkdc-redacted-"
/* Byte strings nested inside byte strings beyond this are hidden whole. */
#define MAX_EMBEDDED_DEPTH 4

#define COSE_KEY_KTY 1
#define COSE_KTY_OKP 1
#define COSE_KTY_EC2 2
#define COSE_KTY_RSA 3
#define COSE_KTY_SYMMETRIC 4
#define COSE_KEY_SYMMETRIC_K (-1)
#define COSE_KEY_PRIVATE_D (-4)
#define CNF_OSC 4        /* cnf's OSCORE_Input_Material (RFC 9203 section 3.2.1) */
#define OSCORE_INPUT_MS 2

/* The place of an item: the label it is the value of, and its map's. */
struct place {
  int has_label;
  int64_t label;          /* the item's label in its map */
  int64_t map_label;      /* the label of the map that contains the item */
  int map_has_label;
  int64_t kty;            /* the kty of the containing map, 0 when none */
  int item_is_top;        /* the item is the top-level item */
  int in_top_map;         /* the containing map is the top-level item */
  enum gkdc_diag_as as;
};

static int copy_item(struct gkdc_cbor_dec *d, struct gkdc_cbor_enc *e, const struct place *at,
                     int embedded_depth);

/* Returns 1 when a byte string at `at` is key material. */
static int is_secret(const struct place *at) {
  if (!at->has_label)
    return 0;
  if (at->label == OSCORE_INPUT_MS && at->map_has_label &&
      (at->map_label == CNF_OSC || at->map_label == GKDC_GC_KEY))
    return 1;
  if (at->kty == COSE_KTY_SYMMETRIC && at->label == COSE_KEY_SYMMETRIC_K)
    return 1;
  if ((at->kty == COSE_KTY_OKP || at->kty == COSE_KTY_EC2) && at->label == COSE_KEY_PRIVATE_D)
    return 1;
  if (at->kty == COSE_KTY_RSA && at->label <= COSE_KEY_PRIVATE_D)
    return 1;
  if (at->in_top_map && at->as != GKDC_DIAG_AS_ACE && at->label == GKDC_OSC_SIGN_ENC_KEY)
    return 1;
  return 0;
}

/* Puts the placeholder of a secret of `len` bytes. */
static void put_placeholder(struct gkdc_cbor_enc *e, size_t len) {
  char text[sizeof(PLACEHOLDER_PREFIX) + 24];

  snprintf(text, sizeof(text), PLACEHOLDER_PREFIX "%zu", len);
  gkdc_cbor_enc_put_tstr_z(e, text);
}

/* Returns 1 when `b` contains exactly one well-formed array, map or tagged item. */
static int is_embedded_container(struct gkdc_bytes b) {
  uint8_t major;

  if (b.len == 0)
    return 0;
  major = b.ptr[0] >> 5;
  return (major == 4 || major == 5 || major == 6) &&
         gkdc_cbor_validate(b.ptr, b.len, NULL) == GKDC_CBOR_OK;
}

/* Copies a byte string: a secret as a placeholder, CBOR content redacted inside. */
static int copy_bstr(struct gkdc_cbor_dec *d, struct gkdc_cbor_enc *e, const struct place *at,
                     int embedded_depth) {
  struct gkdc_cbor_dec inner;
  struct gkdc_bytes b;
  struct place top;
  size_t mark;

  if (!gkdc_cbor_dec_get_bstr(d, &b))
    return 0;
  if (is_secret(at)) {
    put_placeholder(e, b.len);
    return 1;
  }
  if (!is_embedded_container(b)) {
    gkdc_cbor_enc_put_bstr(e, b.ptr, b.len);
    return 1;
  }
  if (embedded_depth >= MAX_EMBEDDED_DEPTH) {
    put_placeholder(e, b.len);
    return 1;
  }

  memset(&top, 0, sizeof(top));
  top.as = GKDC_DIAG_AS_CBOR;
  if (gkdc_cbor_dec_init(&inner, b.ptr, b.len, NULL) != GKDC_CBOR_OK)
    return 0;
  mark = gkdc_cbor_enc_bstr_begin(e);
  if (!copy_item(&inner, e, &top, embedded_depth + 1) ||
      gkdc_cbor_dec_finish(&inner) != GKDC_CBOR_OK)
    return 0;
  gkdc_cbor_enc_bstr_end(e, mark);
  return 1;
}

/* Copies the map that is the next item of `d`. */
static int copy_map(struct gkdc_cbor_dec *d, struct gkdc_cbor_enc *e, const struct place *at,
                    int embedded_depth) {
  struct gkdc_cbor_dec kty_value;
  struct gkdc_bytes key_raw;
  struct place inside;
  size_t pairs, i;
  int64_t kty = 0;

  if (!gkdc_cbor_dec_enter_map(d, &pairs))
    return 0;
  /* A kty that is no integer names no key type known here. */
  if (gkdc_cbor_dec_map_find_int(d, COSE_KEY_KTY, &kty_value) &&
      (gkdc_cbor_dec_peek_type(&kty_value) == GKDC_CBOR_TYPE_UINT ||
       gkdc_cbor_dec_peek_type(&kty_value) == GKDC_CBOR_TYPE_NEGINT) &&
      !gkdc_cbor_dec_get_int(&kty_value, &kty))
    kty = 0;

  memset(&inside, 0, sizeof(inside));
  inside.map_has_label = at->has_label;
  inside.map_label = at->label;
  inside.kty = kty;
  inside.in_top_map = at->item_is_top;
  inside.as = at->as;
  gkdc_cbor_enc_put_map(e, pairs);
  for (i = 0; i < pairs; i++) {
    struct gkdc_cbor_dec key;

    inside.has_label = 0;
    if (!gkdc_cbor_dec_get_raw(d, &key_raw))
      return 0;
    gkdc_cbor_enc_put_raw(e, key_raw.ptr, key_raw.len);
    if (gkdc_cbor_dec_init(&key, key_raw.ptr, key_raw.len, NULL) == GKDC_CBOR_OK &&
        (gkdc_cbor_dec_peek_type(&key) == GKDC_CBOR_TYPE_UINT ||
         gkdc_cbor_dec_peek_type(&key) == GKDC_CBOR_TYPE_NEGINT) &&
        gkdc_cbor_dec_get_int(&key, &inside.label))
      inside.has_label = 1;
    if (!copy_item(d, e, &inside, embedded_depth))
      return 0;
  }
  return gkdc_cbor_dec_exit(d);
}

/* Copies the next item of `d` to `e` with its secrets redacted. */
static int copy_item(struct gkdc_cbor_dec *d, struct gkdc_cbor_enc *e, const struct place *at,
                     int embedded_depth) {
  struct gkdc_bytes raw;
  struct place inside;
  size_t count, i;
  uint64_t tag;

  switch (gkdc_cbor_dec_peek_type(d)) {
  case GKDC_CBOR_TYPE_BSTR:
    return copy_bstr(d, e, at, embedded_depth);
  case GKDC_CBOR_TYPE_MAP:
    return copy_map(d, e, at, embedded_depth);
  case GKDC_CBOR_TYPE_ARRAY:
    /* Elements have no label, so they start a new place. */
    if (!gkdc_cbor_dec_enter_array(d, &count))
      return 0;
    memset(&inside, 0, sizeof(inside));
    inside.as = at->as;
    gkdc_cbor_enc_put_array(e, count);
    for (i = 0; i < count; i++) {
      if (!copy_item(d, e, &inside, embedded_depth))
        return 0;
    }
    return gkdc_cbor_dec_exit(d);
  case GKDC_CBOR_TYPE_TAG:
    /* The tagged item keeps the place of the tag. */
    if (!gkdc_cbor_dec_get_tag(d, &tag))
      return 0;
    gkdc_cbor_enc_put_tag(e, tag);
    return copy_item(d, e, at, embedded_depth);
  default:
    if (!gkdc_cbor_dec_get_raw(d, &raw))
      return 0;
    gkdc_cbor_enc_put_raw(e, raw.ptr, raw.len);
    return 1;
  }
}

/* Encodes the redacted copy of `buf` into `e` (a buffer or size-only). */
static int redact_into(const uint8_t *buf, size_t len, enum gkdc_diag_as as,
                       struct gkdc_cbor_enc *e, size_t *out_len) {
  struct gkdc_cbor_dec d;
  struct place top;

  memset(&top, 0, sizeof(top));
  top.item_is_top = 1;
  top.as = as;
  if (gkdc_cbor_dec_init(&d, buf, len, NULL) != GKDC_CBOR_OK)
    return 0;
  if (!copy_item(&d, e, &top, 0) || gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK)
    return 0;
  return gkdc_cbor_enc_finish(e, out_len) == GKDC_CBOR_OK;
}

int gkdc_tool_redact(const uint8_t *buf, size_t len, enum gkdc_diag_as as, uint8_t **out,
                     size_t *out_len) {
  struct gkdc_cbor_enc e;
  uint8_t *copy = NULL;
  size_t need = 0;
  int ok = 0;

  *out = NULL;
  *out_len = 0;
  gkdc_cbor_enc_init(&e, NULL, 0);
  if (!redact_into(buf, len, as, &e, &need))
    goto out;
  copy = malloc(need > 0 ? need : 1);
  if (copy == NULL)
    goto out;
  gkdc_cbor_enc_init(&e, copy, need);
  if (!redact_into(buf, len, as, &e, out_len))
    goto out;
  *out = copy;
  copy = NULL;
  ok = 1;

out:
  free(copy);
  return ok;
}

/* Writes `text` to `out` with each quoted placeholder as h'' and a comment. */
static void print_with_markers(FILE *out, const char *text) {
  static const char quoted[] = "\"" PLACEHOLDER_PREFIX;
  const char *p = text, *hit;

  while ((hit = strstr(p, quoted)) != NULL) {
    const char *digits = hit + sizeof(quoted) - 1;
    char *end;
    unsigned long long n = strtoull(digits, &end, 10);

    if (end == digits || *end != '"') {
      /* Not a placeholder after all: print it as it is. */
      fwrite(p, 1, (size_t)(digits - p), out);
      p = digits;
      continue;
    }
    fwrite(p, 1, (size_t)(hit - p), out);
    fprintf(out, "h'' / %llu bytes redacted /", n);
    p = end + 1;
  }
  fputs(p, out);
}

int gkdc_tool_print_redacted(FILE *out, const uint8_t *buf, size_t len, enum gkdc_diag_as as) {
  uint8_t *redacted = NULL;
  size_t redacted_len = 0, text_len = 0;
  char *text = NULL;
  FILE *mem;
  int ok = 0;

  if (!gkdc_tool_redact(buf, len, as, &redacted, &redacted_len))
    goto out;
  mem = open_memstream(&text, &text_len);
  if (mem == NULL)
    goto out;
  ok = gkdc_cbor_diag(mem, redacted, redacted_len,
                      GKDC_DIAG_PRETTY | GKDC_DIAG_LABELS | GKDC_DIAG_EMBEDDED,
                      as) == GKDC_CBOR_OK;
  if (fclose(mem) != 0)
    ok = 0;
  if (ok && text != NULL)
    print_with_markers(out, text);

out:
  if (redacted != NULL)
    gkdc_wipe(redacted, redacted_len);
  free(redacted);
  if (text != NULL)
    gkdc_wipe(text, text_len);
  free(text);
  return ok;
}
