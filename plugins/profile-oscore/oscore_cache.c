/*
 * Per-context response cache for CON retransmissions.
 *
 * libcoap 4.3.1 hands a retransmitted CON request (same message ID) to the
 * handler again. Its Partial IV is already in the replay window, so
 * unprotecting it again would fail as a replay; the server answers it with
 * the stored protected response instead (RFC 7252 section 4.5 duplicate
 * detection). A hit needs the same message ID, token, OSCORE option value
 * and ciphertext, so a different request can never fetch a cached answer.
 */
#include <stdlib.h>
#include <string.h>

#include "oscore.h"

struct cache_entry {
  int used;
  uint16_t mid;
  uint8_t token[8];
  size_t token_len;
  uint64_t stored_ms;
  uint8_t *option; /* the request's OSCORE option value */
  size_t option_len;
  uint8_t *ciphertext; /* the request's payload */
  size_t ciphertext_len;
  uint8_t *response; /* the protected response datagram */
  size_t response_len;
};

struct gkdc_oscore_cache {
  struct cache_entry entries[GKDC_OSCORE_CACHE_ENTRIES];
};

static void entry_clear(struct cache_entry *e)
{
  free(e->option);
  free(e->ciphertext);
  if (e->response != NULL)
    gkdc_wipe(e->response, e->response_len);
  free(e->response);
  memset(e, 0, sizeof(*e));
}

void gkdc_oscore_cache_free_all(struct gkdc_oscore_cache *cache)
{
  size_t i;

  if (cache == NULL)
    return;
  for (i = 0; i < GKDC_OSCORE_CACHE_ENTRIES; i++)
    entry_clear(&cache->entries[i]);
  free(cache);
}

static int bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
  return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int entry_matches(const struct cache_entry *e, const struct gkdc_coap_msg *req,
                         const struct gkdc_coap_option *oscore)
{
  return e->used && e->mid == req->mid &&
         bytes_equal(e->token, e->token_len, req->token, req->token_len) &&
         bytes_equal(e->option, e->option_len, oscore->value.ptr, oscore->value.len) &&
         bytes_equal(e->ciphertext, e->ciphertext_len, req->payload.ptr,
                     req->payload.len);
}

/* Drops entries older than the exchange lifetime. */
static void expire(struct gkdc_oscore_cache *cache, uint64_t now_ms)
{
  size_t i;

  for (i = 0; i < GKDC_OSCORE_CACHE_ENTRIES; i++) {
    struct cache_entry *e = &cache->entries[i];

    if (e->used && (now_ms < e->stored_ms ||
                    now_ms - e->stored_ms > GKDC_OSCORE_CACHE_LIFETIME_MS))
      entry_clear(e);
  }
}

int gkdc_oscore_cache_lookup(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *request,
                             uint64_t now_ms, const uint8_t **response,
                             size_t *response_len)
{
  const struct gkdc_coap_option *oscore;
  size_t i;

  if (ctx->cache == NULL || request->type != GKDC_COAP_CON)
    return 0;
  oscore = gkdc_oscore_msg_find(request, GKDC_OPT_OSCORE);
  if (oscore == NULL)
    return 0;

  expire(ctx->cache, now_ms);
  for (i = 0; i < GKDC_OSCORE_CACHE_ENTRIES; i++) {
    const struct cache_entry *e = &ctx->cache->entries[i];

    if (entry_matches(e, request, oscore)) {
      *response = e->response;
      *response_len = e->response_len;
      return 1;
    }
  }
  return 0;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
  uint8_t *q = malloc(len > 0 ? len : 1);

  if (q != NULL && len > 0)
    memcpy(q, p, len);
  return q;
}

int gkdc_oscore_cache_store(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *request,
                            uint64_t now_ms, const uint8_t *response, size_t response_len)
{
  const struct gkdc_coap_option *oscore;
  struct cache_entry fresh;
  struct cache_entry *slot = NULL;
  size_t i;

  if (request->type != GKDC_COAP_CON || request->token_len > 8)
    return 0;
  oscore = gkdc_oscore_msg_find(request, GKDC_OPT_OSCORE);
  if (oscore == NULL)
    return 0;
  if (ctx->cache == NULL) {
    ctx->cache = calloc(1, sizeof(*ctx->cache));
    if (ctx->cache == NULL)
      return 0;
  }

  /* Build the entry first, so a failed allocation leaves the cache as it
   * was. */
  memset(&fresh, 0, sizeof(fresh));
  fresh.used = 1;
  fresh.mid = request->mid;
  memcpy(fresh.token, request->token, request->token_len);
  fresh.token_len = request->token_len;
  fresh.stored_ms = now_ms;
  fresh.option = dup_bytes(oscore->value.ptr, oscore->value.len);
  fresh.option_len = oscore->value.len;
  fresh.ciphertext = dup_bytes(request->payload.ptr, request->payload.len);
  fresh.ciphertext_len = request->payload.len;
  fresh.response = dup_bytes(response, response_len);
  fresh.response_len = response_len;
  if (fresh.option == NULL || fresh.ciphertext == NULL || fresh.response == NULL) {
    entry_clear(&fresh);
    return 0;
  }

  /* A free or expired slot, else the oldest. */
  expire(ctx->cache, now_ms);
  for (i = 0; i < GKDC_OSCORE_CACHE_ENTRIES; i++) {
    struct cache_entry *e = &ctx->cache->entries[i];

    if (!e->used) {
      slot = e;
      break;
    }
    if (slot == NULL || e->stored_ms < slot->stored_ms)
      slot = e;
  }
  entry_clear(slot);
  *slot = fresh;
  return 1;
}
