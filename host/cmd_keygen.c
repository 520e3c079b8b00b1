/*
 * `gkdc keygen`: makes a key pair and its CCS authentication credential.
 *
 *   gkdc keygen --curve ed25519|p256 [--subject S] --out FILE
 *
 * FILE (mode 0600) receives the private key as a COSE_Key with `d`;
 * FILE.ccs (mode 0644) the credential, a CWT Claims Set
 * {2: subject, 8: {1: COSE_Key}} (RFC 8392, RFC 8747) with the public key.
 * Both are CBOR that `gkdc inspect -f FILE` prints.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/crypto.h>
#include <gkdc/cwt.h>

#include "client_tool.h"
#include "commands.h"
#include "internal.h"

/* Room for a COSE_Key or a CCS with one P-256 key and a subject. */
#define OUT_MAX 1024
#define SUBJECT_MAX 256

static void print_usage(FILE *out) {
  fprintf(out,
          "Usage: gkdc keygen --curve ed25519|p256 [--subject S] --out FILE [-v]\n"
          "\n"
          "Makes a key pair. FILE (mode 0600) receives the private key as a COSE_Key;\n"
          "FILE.ccs receives its CCS credential {2: subject, 8: {1: COSE_Key}}.\n"
          "\n"
          "Options:\n"
          "  --curve NAME    ed25519 (EdDSA) or p256 (ES256)\n"
          "  --subject S     the credential's sub claim (default: empty string)\n"
          "  --out FILE      output file of the private key\n"
          "  -v, --verbose   log at debug level\n"
          "  -h, --help      print this help and exit\n");
}

/* Fills the public part of `key` from a raw public key of <gkdc/alg.h>. */
static int set_public(struct gkdc_cose_key *key, int32_t curve, const uint8_t *pub,
                      size_t pub_len) {
  if (curve == GKDC_COSE_CRV_ED25519) {
    if (pub_len != 32)
      return 0;
    key->kty = GKDC_COSE_KTY_OKP;
    key->alg = GKDC_COSE_ALG_EDDSA;
    key->x.ptr = pub;
    key->x.len = 32;
  } else {
    if (pub_len != 65 || pub[0] != 0x04)
      return 0;
    key->kty = GKDC_COSE_KTY_EC2;
    key->alg = GKDC_COSE_ALG_ES256;
    key->x.ptr = pub + 1;
    key->x.len = 32;
    key->y.ptr = pub + 33;
    key->y.len = 32;
  }
  key->has_alg = 1;
  key->crv = curve;
  return 1;
}

/* Encodes the CCS {2: subject, 8: {1: key}} of a public key. */
static int encode_ccs(const struct gkdc_cose_key *pub_key, const char *subject, uint8_t *out,
                      size_t *out_len) {
  struct gkdc_cbor_enc e;
  size_t mark, cnf_mark;

  gkdc_cbor_enc_init(&e, out, OUT_MAX);
  mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_int(&e, GKDC_CWT_SUB);
  gkdc_cbor_enc_put_tstr_z(&e, subject);
  gkdc_cbor_enc_put_int(&e, GKDC_CWT_CNF);
  cnf_mark = gkdc_cbor_enc_map_begin(&e);
  gkdc_cbor_enc_put_int(&e, 1); /* COSE_Key confirmation method (RFC 8747) */
  gkdc_cose_key_encode(&e, pub_key);
  gkdc_cbor_enc_map_end(&e, cnf_mark, 1);
  gkdc_cbor_enc_map_end(&e, mark, 2);
  return gkdc_cbor_enc_finish(&e, out_len) == GKDC_CBOR_OK;
}

static int make_keys(int32_t curve, const char *subject, const char *out_file) {
  const struct gkdc_crypto *cx = gkdc_host_api()->crypto_get0();
  uint8_t priv[GKDC_MAX_PRIV_LEN], pub[GKDC_MAX_PUB_LEN];
  uint8_t key_out[OUT_MAX], ccs_out[OUT_MAX];
  size_t priv_len = sizeof(priv), pub_len = sizeof(pub), key_len = 0, ccs_len = 0;
  struct gkdc_cose_key key;
  struct gkdc_cbor_enc e;
  char ccs_file[4096];
  int ok = 0;

  if (!gkdc_crypto_keygen(cx, curve, priv, &priv_len, pub, &pub_len)) {
    fprintf(stderr, "gkdc keygen: key generation failed; is alg-boringssl installed?\n");
    goto out;
  }
  memset(&key, 0, sizeof(key));
  if (!set_public(&key, curve, pub, pub_len)) {
    fprintf(stderr, "gkdc keygen: the alg plugin returned an unexpected public key\n");
    goto out;
  }
  if (!encode_ccs(&key, subject, ccs_out, &ccs_len)) {
    fprintf(stderr, "gkdc keygen: the credential does not fit %d bytes\n", OUT_MAX);
    goto out;
  }

  key.d.ptr = priv;
  key.d.len = priv_len;
  gkdc_cbor_enc_init(&e, key_out, sizeof(key_out));
  gkdc_cose_key_encode(&e, &key);
  if (gkdc_cbor_enc_finish(&e, &key_len) != GKDC_CBOR_OK)
    goto out;

  if (snprintf(ccs_file, sizeof(ccs_file), "%s.ccs", out_file) >= (int)sizeof(ccs_file)) {
    fprintf(stderr, "gkdc keygen: output file name too long\n");
    goto out;
  }
  if (!gkdc_tool_write_file(out_file, key_out, key_len, 0600) ||
      !gkdc_tool_write_file(ccs_file, ccs_out, ccs_len, 0644))
    goto out;
  printf("wrote the private key to %s and its CCS credential to %s\n", out_file, ccs_file);
  ok = 1;

out:
  gkdc_wipe(priv, sizeof(priv));
  gkdc_wipe(key_out, sizeof(key_out));
  return ok;
}

int gkdc_cmd_keygen(int argc, char **argv) {
  static const struct option options[] = {
      {"curve", required_argument, NULL, 'c'},
      {"subject", required_argument, NULL, 's'},
      {"out", required_argument, NULL, 'o'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *curve_name = NULL, *subject = "", *out_file = NULL;
  int32_t curve;
  int verbose = 0, opt, rc = GKDC_EXIT_FAILURE;

  while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
    switch (opt) {
    case 'c':
      curve_name = optarg;
      break;
    case 's':
      subject = optarg;
      break;
    case 'o':
      out_file = optarg;
      break;
    case 'v':
      verbose = 1;
      break;
    case 'h':
      print_usage(stdout);
      return GKDC_EXIT_OK;
    default:
      print_usage(stderr);
      return GKDC_EXIT_USAGE;
    }
  }
  if (optind < argc || curve_name == NULL || out_file == NULL) {
    fprintf(stderr, "gkdc keygen: --curve and --out are required\n");
    print_usage(stderr);
    return GKDC_EXIT_USAGE;
  }
  if (strcmp(curve_name, "ed25519") == 0) {
    curve = GKDC_COSE_CRV_ED25519;
  } else if (strcmp(curve_name, "p256") == 0) {
    curve = GKDC_COSE_CRV_P256;
  } else {
    fprintf(stderr, "gkdc keygen: unknown curve '%s'; use ed25519 or p256\n", curve_name);
    return GKDC_EXIT_USAGE;
  }
  if (strlen(subject) > SUBJECT_MAX) {
    fprintf(stderr, "gkdc keygen: the subject is longer than %d bytes\n", SUBJECT_MAX);
    return GKDC_EXIT_USAGE;
  }

  if (!gkdc_tool_host_start(NULL, "\"alg-boringssl\"", NULL, verbose))
    return GKDC_EXIT_FAILURE;
  if (make_keys(curve, subject, out_file))
    rc = GKDC_EXIT_OK;
  gkdc_tool_host_stop();
  gkdc_log_close();
  return rc;
}
