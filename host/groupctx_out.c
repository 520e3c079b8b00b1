/*
 * Output of a Group OSCORE context: the CBOR context file, fingerprints
 * and a printable summary that shows no key.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gkdc/alg.h>
#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/groupctx.h>

#include "groupctx_internal.h"

static int fail(int *err, int code)
{
  if (err != NULL)
    *err = code;
  return 0;
}

/* Puts `label: alg` when the algorithm is set; returns the pairs written. */
static size_t put_alg(struct gkdc_cbor_enc *e, int64_t label, int32_t alg)
{
  if (alg == 0)
    return 0;
  gkdc_cbor_enc_put_int(e, label);
  gkdc_cbor_enc_put_int(e, alg);
  return 1;
}

static size_t put_curve(struct gkdc_cbor_enc *e, int64_t label, int32_t kty, int32_t crv)
{
  if (kty == 0)
    return 0;
  gkdc_cbor_enc_put_int(e, label);
  gkdc_cbor_enc_put_array(e, crv != 0 ? 2 : 1);
  gkdc_cbor_enc_put_int(e, kty);
  if (crv != 0)
    gkdc_cbor_enc_put_int(e, crv);
  return 1;
}

static size_t put_bstr(struct gkdc_cbor_enc *e, int64_t label, const uint8_t *p, size_t len)
{
  gkdc_cbor_enc_put_int(e, label);
  gkdc_cbor_enc_put_bstr(e, p, len);
  return 1;
}

static void put_recipient(struct gkdc_cbor_enc *e, const struct gkdc_groupctx *g,
                          const struct gctx_peer *p)
{
  size_t mark = gkdc_cbor_enc_map_begin(e);
  size_t pairs = 0;

  pairs += put_bstr(e, 0, p->sid, p->sid_len);
  pairs += put_bstr(e, 1, p->cred.ptr, p->cred.len);
  pairs += put_bstr(e, 2, p->recipient_key, g->key_len);
  if (p->has_pairwise) {
    pairs += put_bstr(e, 3, p->pw_sender_key, g->pw_key_len);
    pairs += put_bstr(e, 4, p->pw_recipient_key, g->pw_key_len);
  }
  if (p->roles != 0) {
    gkdc_cbor_enc_put_int(e, 5);
    gkdc_cbor_enc_put_uint(e, p->roles);
    pairs++;
  }
  gkdc_cbor_enc_map_end(e, mark, pairs);
}

int gkdc_groupctx_encode(const gkdc_groupctx *g, const struct gkdc_groupctx_meta *meta,
                         uint8_t *out, size_t *out_len, int *err)
{
  struct gkdc_cbor_enc e;
  size_t mark;
  size_t pairs = 0;
  size_t len = 0;
  size_t i;

  if (g == NULL || out_len == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  gkdc_cbor_enc_init(&e, out, out == NULL ? 0 : *out_len);
  mark = gkdc_cbor_enc_map_begin(&e);

  gkdc_cbor_enc_put_int(&e, GKDC_GROUPCTX_F_VERSION);
  gkdc_cbor_enc_put_uint(&e, GKDC_GROUPCTX_FILE_VERSION);
  pairs++;
  if (meta != NULL && meta->group_name != NULL) {
    gkdc_cbor_enc_put_int(&e, GKDC_GROUPCTX_F_NAME);
    gkdc_cbor_enc_put_tstr_z(&e, meta->group_name);
    pairs++;
  }
  if (meta != NULL && meta->has_num) {
    gkdc_cbor_enc_put_int(&e, GKDC_GROUPCTX_F_NUM);
    gkdc_cbor_enc_put_int(&e, meta->num);
    pairs++;
  }

  /* Common Context. */
  pairs += put_bstr(&e, GKDC_OSC_KEY_MS, g->ms.ptr, g->ms.len);
  pairs += put_alg(&e, GKDC_OSC_KEY_HKDF, g->hkdf);
  pairs += put_alg(&e, GKDC_OSC_KEY_ALG, g->alg);
  pairs += put_bstr(&e, GKDC_OSC_KEY_SALT, g->salt.ptr, g->salt.len);
  pairs += put_bstr(&e, GKDC_OSC_KEY_CONTEXT_ID, g->gid.ptr, g->gid.len);
  gkdc_cbor_enc_put_int(&e, GKDC_OSC_KEY_CRED_FMT);
  gkdc_cbor_enc_put_int(&e, g->cred_fmt);
  pairs++;
  pairs += put_alg(&e, GKDC_OSC_KEY_GP_ENC_ALG, g->gp_enc_alg);
  pairs += put_alg(&e, GKDC_OSC_KEY_SIGN_ALG, g->sign_alg);
  pairs += put_curve(&e, GKDC_OSC_KEY_SIGN_PARAMS, g->sign_kty, g->sign_curve);
  pairs += put_alg(&e, GKDC_OSC_KEY_ECDH_ALG, g->ecdh_alg);
  pairs += put_curve(&e, GKDC_OSC_KEY_ECDH_PARAMS, g->ecdh_kty, g->ecdh_curve);
  pairs += put_bstr(&e, GKDC_GROUPCTX_F_COMMON_IV, g->common_iv, g->iv_len);
  if (g->gp_enc_alg != 0)
    pairs += put_bstr(&e, GKDC_GROUPCTX_F_SIGN_ENC_KEY, g->sign_enc_key, g->sek_len);
  if (g->gm_cred.len > 0)
    pairs += put_bstr(&e, GKDC_GROUPCTX_F_GM_CRED, g->gm_cred.ptr, g->gm_cred.len);

  /* Sender Context. */
  if (g->has_sender) {
    pairs += put_bstr(&e, GKDC_OSC_KEY_GROUP_SENDERID, g->sid, g->sid_len);
    pairs += put_bstr(&e, GKDC_GROUPCTX_F_SENDER_KEY, g->sender_key, g->key_len);
  }
  if (g->own_cred.len > 0)
    pairs += put_bstr(&e, GKDC_GROUPCTX_F_OWN_CRED, g->own_cred.ptr, g->own_cred.len);

  /* Recipient Contexts. */
  gkdc_cbor_enc_put_int(&e, GKDC_GROUPCTX_F_RECIPIENTS);
  gkdc_cbor_enc_put_array(&e, g->peer_count);
  for (i = 0; i < g->peer_count; i++)
    put_recipient(&e, g, &g->peers[i]);
  pairs++;

  gkdc_cbor_enc_map_end(&e, mark, pairs);
  switch (gkdc_cbor_enc_finish(&e, &len)) {
  case GKDC_CBOR_OK:
    break;
  case GKDC_CBOR_ERR_OVERFLOW:
    return fail(err, GKDC_GROUPCTX_ERR_BUFFER);
  default:
    return fail(err, GKDC_GROUPCTX_ERR_NOMEM);
  }
  *out_len = len;
  return 1;
}

/* Writes all of `buf` to `fd`, retrying short writes. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return 0;
    buf += n;
    len -= (size_t)n;
  }
  return 1;
}

int gkdc_groupctx_write_file(const gkdc_groupctx *g, const struct gkdc_groupctx_meta *meta,
                             const char *path, int *err)
{
  uint8_t *buf = NULL;
  size_t need = 0;
  size_t len;
  char *tmp = NULL;
  int fd = -1;
  int code = GKDC_GROUPCTX_ERR_IO;
  int saved_errno = 0;
  int ok = 0;

  if (g == NULL || path == NULL)
    return fail(err, GKDC_GROUPCTX_ERR_MISSING);
  if (!gkdc_groupctx_encode(g, meta, NULL, &need, err))
    return 0;

  code = GKDC_GROUPCTX_ERR_NOMEM;
  buf = malloc(need);
  tmp = malloc(strlen(path) + 16);
  if (buf == NULL || tmp == NULL)
    goto out;
  len = need;
  if (!gkdc_groupctx_encode(g, meta, buf, &len, err)) {
    code = err != NULL ? *err : GKDC_GROUPCTX_ERR_BUFFER;
    goto out;
  }

  /* A temporary file in the same directory, renamed over the target once
   * synced, so a crash leaves either the old file or the new one. */
  code = GKDC_GROUPCTX_ERR_IO;
  snprintf(tmp, strlen(path) + 16, "%s.tmp%ld", path, (long)getpid());
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    goto out;
  if (fchmod(fd, 0600) != 0 || !write_all(fd, buf, len) || fsync(fd) != 0)
    goto out;
  if (close(fd) != 0) {
    fd = -1;
    goto out;
  }
  fd = -1;
  if (rename(tmp, path) != 0)
    goto out;
  ok = 1;

out:
  saved_errno = errno;
  if (fd >= 0)
    close(fd);
  if (!ok && tmp != NULL)
    unlink(tmp);
  if (buf != NULL) {
    gkdc_wipe(buf, need);
    free(buf);
  }
  free(tmp);
  errno = saved_errno;
  if (!ok)
    return fail(err, code);
  return 1;
}

int gkdc_groupctx_fingerprint(const struct gkdc_crypto *cx, struct gkdc_bytes data,
                              char hex[9])
{
  uint8_t digest[GKDC_MAX_HASH_LEN];
  size_t digest_len = sizeof(digest);
  int i;

  if (!gkdc_crypto_hash(cx, GKDC_COSE_ALG_SHA256, data.ptr, data.len, digest, &digest_len) ||
      digest_len < 4) {
    strcpy(hex, "????????");
    return 0;
  }
  for (i = 0; i < 4; i++)
    snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return 1;
}

static void print_hex(FILE *out, const uint8_t *p, size_t len)
{
  size_t i;

  if (len == 0)
    fputs("(empty)", out);
  for (i = 0; i < len; i++)
    fprintf(out, "%02x", p[i]);
}

static void print_fp(FILE *out, const struct gkdc_groupctx *g, const char *what,
                     const uint8_t *p, size_t len)
{
  char fp[9];
  struct gkdc_bytes b;

  b.ptr = p;
  b.len = len;
  gkdc_groupctx_fingerprint(g->cx, b, fp);
  fprintf(out, "  %-24s fp %s (%zu bytes)\n", what, fp, len);
}

int gkdc_groupctx_print(const gkdc_groupctx *g, FILE *out)
{
  size_t i;

  if (g == NULL || out == NULL)
    return 0;

  fputs("Gid ", out);
  print_hex(out, g->gid.ptr, g->gid.len);
  fputs("\nSender ID ", out);
  if (g->has_sender)
    print_hex(out, g->sid, g->sid_len);
  else
    fputs("(none)", out);
  fprintf(out, "\nhkdf %d alg %d gp_enc_alg %d sign_alg %d ecdh_alg %d cred_fmt %lld\n",
          (int)g->hkdf, (int)g->alg, (int)g->gp_enc_alg, (int)g->sign_alg, (int)g->ecdh_alg,
          (long long)g->cred_fmt);
  print_fp(out, g, "Master Secret", g->ms.ptr, g->ms.len);
  print_fp(out, g, "Common IV", g->common_iv, g->iv_len);
  if (g->gp_enc_alg != 0)
    print_fp(out, g, "Signature Encryption Key", g->sign_enc_key, g->sek_len);
  if (g->has_sender)
    print_fp(out, g, "Sender Key", g->sender_key, g->key_len);

  for (i = 0; i < g->peer_count; i++) {
    const struct gctx_peer *p = &g->peers[i];

    fputs("Recipient ", out);
    print_hex(out, p->sid, p->sid_len);
    fprintf(out, " roles %llu\n", (unsigned long long)p->roles);
    print_fp(out, g, "Recipient Key", p->recipient_key, g->key_len);
    if (p->has_pairwise) {
      print_fp(out, g, "Pairwise Sender Key", p->pw_sender_key, g->pw_key_len);
      print_fp(out, g, "Pairwise Recipient Key", p->pw_recipient_key, g->pw_key_len);
    }
  }
  return ferror(out) == 0;
}
