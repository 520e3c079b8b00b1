/*
 * A set of OSCORE security contexts, looked up by the (kid, kid context)
 * of a request (RFC 8613 section 8.2 step 2).
 *
 * Clients such as the Java ACE client omit the kid context even when the
 * context has an ID Context, so a lookup without kid context matches on the
 * Recipient ID alone, and two contexts with that Recipient ID make it
 * ambiguous: the request is then answered like an unknown context.
 */
#include <stdlib.h>
#include <string.h>

#include "oscore.h"

struct gkdc_oscore_ctxset {
  struct gkdc_oscore_ctx **items;
  size_t count;
  size_t cap;
};

struct gkdc_oscore_ctxset *gkdc_oscore_ctxset_new(void)
{
  return calloc(1, sizeof(struct gkdc_oscore_ctxset));
}

void gkdc_oscore_ctxset_free(struct gkdc_oscore_ctxset *set)
{
  size_t i;

  if (set == NULL)
    return;
  for (i = 0; i < set->count; i++)
    gkdc_oscore_ctx_free(set->items[i]);
  free(set->items);
  free(set);
}

static int same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
  return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Whether `c` answers to (kid, kid context); has_kid_context 0 matches any
 * ID Context. */
static int ctx_matches(const struct gkdc_oscore_ctx *c, const uint8_t *kid,
                       size_t kid_len, int has_kid_context, const uint8_t *kid_context,
                       size_t kid_context_len)
{
  if (!same_bytes(c->recipient_id, c->recipient_id_len, kid, kid_len))
    return 0;
  if (!has_kid_context)
    return 1;
  return c->has_id_context &&
         same_bytes(c->id_context, c->id_context_len, kid_context, kid_context_len);
}

int gkdc_oscore_ctxset_add(struct gkdc_oscore_ctxset *set, struct gkdc_oscore_ctx *ctx)
{
  size_t i;

  for (i = 0; i < set->count; i++) {
    const struct gkdc_oscore_ctx *c = set->items[i];

    if (c == ctx)
      return 0;
    if (same_bytes(c->recipient_id, c->recipient_id_len, ctx->recipient_id,
                   ctx->recipient_id_len) &&
        c->has_id_context == ctx->has_id_context &&
        same_bytes(c->id_context, c->id_context_len, ctx->id_context, ctx->id_context_len))
      return 0;
  }

  if (set->count == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 8;
    struct gkdc_oscore_ctx **items = realloc(set->items, cap * sizeof(*items));

    if (items == NULL)
      return 0;
    set->items = items;
    set->cap = cap;
  }
  set->items[set->count++] = ctx;
  return 1;
}

int gkdc_oscore_ctxset_remove(struct gkdc_oscore_ctxset *set, struct gkdc_oscore_ctx *ctx)
{
  size_t i;

  for (i = 0; i < set->count; i++) {
    if (set->items[i] != ctx)
      continue;
    gkdc_oscore_ctx_free(ctx);
    memmove(&set->items[i], &set->items[i + 1],
            (set->count - i - 1) * sizeof(set->items[0]));
    set->count--;
    return 1;
  }
  return 0;
}

enum gkdc_oscore_status
gkdc_oscore_ctxset_find(const struct gkdc_oscore_ctxset *set, const uint8_t *kid,
                        size_t kid_len, int has_kid_context, const uint8_t *kid_context,
                        size_t kid_context_len, struct gkdc_oscore_ctx **out)
{
  struct gkdc_oscore_ctx *found = NULL;
  size_t i;

  for (i = 0; i < set->count; i++) {
    if (!ctx_matches(set->items[i], kid, kid_len, has_kid_context, kid_context,
                     kid_context_len))
      continue;
    if (found != NULL)
      return GKDC_OSCORE_ERR_NO_CONTEXT; /* ambiguous */
    found = set->items[i];
  }
  if (found == NULL)
    return GKDC_OSCORE_ERR_NO_CONTEXT;
  *out = found;
  return GKDC_OSCORE_OK;
}

size_t gkdc_oscore_ctxset_count(const struct gkdc_oscore_ctxset *set)
{
  return set->count;
}

struct gkdc_oscore_ctx *gkdc_oscore_ctxset_get0(const struct gkdc_oscore_ctxset *set,
                                                size_t index)
{
  return index < set->count ? set->items[index] : NULL;
}

enum gkdc_oscore_status
gkdc_oscore_ctxset_find_for_request(const struct gkdc_oscore_ctxset *set,
                                    const struct gkdc_coap_msg *request,
                                    struct gkdc_oscore_ctx **out)
{
  const struct gkdc_coap_option *o;
  struct gkdc_oscore_option opt;
  enum gkdc_oscore_status st;

  o = gkdc_oscore_msg_find(request, GKDC_OPT_OSCORE);
  if (o == NULL)
    return GKDC_OSCORE_ERR_NOT_PROTECTED;
  st = gkdc_oscore_option_decode(o->value.ptr, o->value.len, &opt);
  if (st != GKDC_OSCORE_OK)
    return st;
  if (!opt.has_kid || opt.piv.len == 0)
    return GKDC_OSCORE_ERR_BAD_OPTION;
  return gkdc_oscore_ctxset_find(set, opt.kid.ptr, opt.kid.len, opt.has_kid_context,
                                 opt.kid_context.ptr, opt.kid_context.len, out);
}
