/*
 * kdc-groupcomm: responses, lookups and the KDC's own proof of possession.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kdc_internal.h"

void kdc_log(const struct kdc_state *k, int level, const char *fmt, ...)
{
  va_list ap;

  if (k == NULL || !GKDC_HAS_OP(k->host, vlog))
    return;
  va_start(ap, fmt);
  k->host->vlog(k->self, level, fmt, ap);
  va_end(ap);
}

int64_t kdc_now(const struct kdc_state *k)
{
  return k->host->now();
}

int kdc_random(const struct kdc_state *k, uint8_t *buf, size_t len)
{
  return gkdc_crypto_random(k->host->crypto_get0(), buf, len);
}

int kdc_reply(struct gkdc_response *resp, uint8_t code)
{
  gkdc_response_set(resp, code, GKDC_CF_NONE, NULL, 0);
  return GKDC_HANDLED;
}

int kdc_reply_problem(struct gkdc_response *resp, uint8_t code, int error_id,
                      const char *detail)
{
  uint8_t buf[256];
  struct gkdc_cbor_enc e;
  size_t mark;
  size_t len = 0;

  gkdc_cbor_enc_init(&e, buf, sizeof(buf));
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_uint(&e, GKDC_PROBLEM_ACE_GROUPCOMM_ERROR);
  gkdc_cbor_enc_put_map(&e, 1);
  gkdc_cbor_enc_put_uint(&e, 0);
  gkdc_cbor_enc_put_int(&e, error_id);
  if (detail != NULL) {
    gkdc_cbor_enc_put_int(&e, -2);
    gkdc_cbor_enc_put_tstr(&e, detail, strnlen(detail, 200));
  }
  gkdc_cbor_enc_map_end(&e, mark, detail != NULL ? 2 : 1);
  if (gkdc_cbor_enc_finish(&e, &len) != GKDC_CBOR_OK ||
      !gkdc_response_set(resp, code, GKDC_CF_CONCISE_PROBLEM, buf, len))
    gkdc_response_set(resp, GKDC_CODE(5, 0), GKDC_CF_NONE, NULL, 0);
  return GKDC_HANDLED;
}

int kdc_reply_fail(struct gkdc_response *resp, const struct gkdc_ap_fail *fail)
{
  uint8_t code = fail->code != 0 ? fail->code : GKDC_CODE(5, 0);

  if (fail->error_id >= 0)
    return kdc_reply_problem(resp, code, fail->error_id, fail->detail);
  return kdc_reply(resp, code);
}

int kdc_reply_enc(struct gkdc_response *resp, uint8_t code, int32_t cf,
                  struct gkdc_cbor_enc *e)
{
  size_t len = 0;

  if (gkdc_cbor_enc_finish(e, &len) != GKDC_CBOR_OK ||
      !gkdc_response_set(resp, code, cf, e->buf, len))
    return kdc_reply(resp, GKDC_CODE(5, 0));
  return GKDC_HANDLED;
}

struct kdc_group *kdc_group_find(const struct kdc_state *k, const char *name,
                                 size_t name_len)
{
  size_t i;

  for (i = 0; i < k->group_count; i++) {
    const char *n = k->groups[i].name;

    if (strlen(n) == name_len && memcmp(n, name, name_len) == 0)
      return &k->groups[i];
  }
  return NULL;
}

int kdc_group_load(const struct kdc_state *k, const struct kdc_group *g,
                   struct gkdc_store_group **out)
{
  *out = NULL;
  return k->store->group_get(k->store_p.state, g->name, out);
}

int kdc_store_err_is(const struct kdc_state *k, int code)
{
  return k->store->last_error(k->store_p.state) == code;
}

int kdc_group_pop(const struct kdc_state *k, const struct gkdc_store_group *rec,
                  const struct kdc_group *g, struct gkdc_ap_group_crypto *cx,
                  struct gkdc_pop_params *params, struct gkdc_provider *pop)
{
  memset(cx, 0, sizeof(*cx));
  cx->size = sizeof(*cx);
  if (!k->ap->group_crypto_get(k->ap_p.state, rec, cx))
    return 0;

  memset(params, 0, sizeof(*params));
  params->size = sizeof(*params);
  params->flags = cx->pop_flags;
  if (g->java_compatible)
    params->flags |= GKDC_POP_F_ECDSA_DER;
  params->sign_alg = cx->sign_alg;
  params->sign_curve = cx->sign_curve;
  params->ecdh_alg = cx->ecdh_alg;
  params->ecdh_curve = cx->ecdh_curve;

  return k->host->find_pop(cx->pop_method != NULL ? cx->pop_method : GKDC_POP_SIGN,
                           pop);
}

int kdc_cred_parse(const struct kdc_state *k, int64_t cred_fmt,
                   const uint8_t *bytes, size_t len,
                   struct gkdc_provider *fmt, gkdc_cred **out, int *err)
{
  const struct gkdc_credfmt_ops *ops;

  *out = NULL;
  if (!k->host->find_credfmt(cred_fmt, fmt)) {
    *err = GKDC_CRED_ERR_INTERNAL;
    return 0;
  }
  ops = fmt->ops;
  return ops->parse(fmt->state, bytes, len, 0, out, err);
}

void kdc_put_info_entry(const struct kdc_state *k, struct gkdc_cbor_enc *e,
                        const struct gkdc_store_group *rec, int ecdh)
{
  uint8_t buf[256];
  size_t len = sizeof(buf);

  if (!GKDC_HAS_OP(k->ap, info_entry_write) ||
      !k->ap->info_entry_write(k->ap_p.state, rec, ecdh, buf, &len)) {
    gkdc_cbor_enc_set_error(e, GKDC_CBOR_ERR_VALUE);
    return;
  }
  gkdc_cbor_enc_put_raw(e, buf, len);
}

int kdc_put_kdc_pop(const struct kdc_state *k, const struct kdc_group *g,
                    const struct gkdc_store_group *rec, struct gkdc_bytes n_c,
                    const struct gkdc_cred_info *peer, int force_sign,
                    struct gkdc_cbor_enc *e)
{
  struct gkdc_ap_group_crypto cx;
  struct gkdc_pop_params params;
  struct gkdc_provider pop;
  const struct gkdc_pop_ops *ops;
  struct gkdc_pop_key own;
  uint8_t n_kdc[KDC_NONCE_LEN];
  uint8_t input[KDC_NONCE_MAX + KDC_NONCE_LEN + 8];
  size_t input_len = sizeof(input);
  uint8_t ev[GKDC_POP_MAX_EVIDENCE_LEN];
  size_t ev_len = sizeof(ev);
  struct gkdc_bytes nk;
  int err = 0;
  int ok = 0;

  if (!kdc_group_pop(k, rec, g, &cx, &params, &pop))
    goto out;
  if (force_sign && !k->host->find_pop(GKDC_POP_SIGN, &pop))
    goto out;
  if (!kdc_random(k, n_kdc, sizeof(n_kdc)))
    goto out;

  nk.ptr = n_kdc;
  nk.len = sizeof(n_kdc);
  if (!gkdc_pop_input_kdc(n_c, nk, input, &input_len))
    goto out;

  memset(&own, 0, sizeof(own));
  own.size = sizeof(own);
  own.cred = g->gm_info;
  own.priv = g->gm_priv;
  own.priv_len = g->gm_priv_len;
  ops = pop.ops;
  if (!ops->create(pop.state, &params, &own, peer, input, input_len, ev, &ev_len,
                   &err)) {
    kdc_log(k, GKDC_LOG_ERR, "group %s: cannot create kdc_cred_verify (pop error %d)",
            g->name, err);
    goto out;
  }

  gkdc_cbor_enc_put_uint(e, GKDC_GC_KDC_CRED);
  gkdc_cbor_enc_put_bstr(e, g->gm_cred, g->gm_cred_len);
  gkdc_cbor_enc_put_uint(e, GKDC_GC_KDC_NONCE);
  gkdc_cbor_enc_put_bstr(e, n_kdc, sizeof(n_kdc));
  gkdc_cbor_enc_put_uint(e, GKDC_GC_KDC_CRED_VERIFY);
  gkdc_cbor_enc_put_bstr(e, ev, ev_len);
  ok = 1;

out:
  return ok;
}

int kdc_commit(const struct kdc_state *k)
{
  if (k->store->commit(k->store_p.state))
    return 1;
  kdc_log(k, GKDC_LOG_ERR, "store commit failed: %s",
          k->store->last_error_detail(k->store_p.state));
  k->store->rollback(k->store_p.state);
  return 0;
}

void kdc_rollback(const struct kdc_state *k)
{
  k->store->rollback(k->store_p.state);
}
