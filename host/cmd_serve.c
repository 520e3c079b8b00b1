/*
 * `gkdc serve`: runs a host until SIGINT or SIGTERM.
 *
 *   gkdc serve [-c FILE] [--endpoints-file FILE] [-v]
 *
 * Start: load the config, open its log, load and initialize the plugins it
 * lists, bind the listen endpoints, log one line per plugin and endpoint.
 * Stop: release observers and deferred requests, run every plugin's fini
 * (which flushes its state), free sessions and the libcoap context, and
 * exit 0 after the line "shutdown complete".
 */
#include <config.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "internal.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int signo) {
  stop_requested = signo;
}

static void print_usage(FILE *out) {
  fprintf(out,
          "Usage: gkdc serve [-c FILE] [--endpoints-file FILE] [-v]\n"
          "\n"
          "Loads the plugins that the config names and serves CoAP on its listen\n"
          "endpoints until SIGINT or SIGTERM.\n"
          "\n"
          "Options:\n"
          "  -c, --config FILE        config file (default: the built-in config)\n"
          "      --endpoints-file FILE\n"
          "                           after binding, write the endpoint URIs (one per\n"
          "                           line, e.g. coap://127.0.0.1:40123) to FILE\n"
          "  -v, --verbose            log at debug level, whatever the config says\n"
          "  -h, --help               print this help and exit\n");
}

static int install_signal_handlers(void) {
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
    return 0;

  /* A peer that closes a socket must not kill the host. */
  sa.sa_handler = SIG_IGN;
  return sigaction(SIGPIPE, &sa, NULL) == 0;
}

static void log_plugins(void) {
  const gkdc_plugin *p;

  for (p = gkdc_plugins_first(); p != NULL; p = p->next) {
    const char *kind = gkdc_plugin_kind_name(p->desc->kind);

    GKDC_INFO("plugin %s %s (%s) ready: %s", p->desc->name,
              p->desc->version != NULL ? p->desc->version : "",
              kind != NULL ? kind : "?",
              p->desc->description != NULL ? p->desc->description : "");
  }
}

int gkdc_cmd_serve(int argc, char **argv) {
  static const struct option options[] = {
      {"config", required_argument, NULL, 'c'},
      {"endpoints-file", required_argument, NULL, 'e'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *config_file = NULL;
  const char *endpoints_file = NULL;
  int verbose = 0;
  int rc = GKDC_EXIT_FAILURE;
  int opt;

  while ((opt = getopt_long(argc, argv, "c:vh", options, NULL)) != -1) {
    switch (opt) {
    case 'c':
      config_file = optarg;
      break;
    case 'e':
      endpoints_file = optarg;
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
  if (optind < argc) {
    fprintf(stderr, "gkdc serve: unexpected argument '%s'\n", argv[optind]);
    print_usage(stderr);
    return GKDC_EXIT_USAGE;
  }

  /* Until the config names a sink, errors go to stderr. */
  gkdc_log_open("stderr", verbose ? GKDC_LOG_DEBUG : GKDC_LOG_INFO);
  if (!gkdc_config_load(config_file))
    goto out_log;
  if (!gkdc_config_open_log())
    goto out_config;
  if (verbose)
    gkdc_log_set_level(GKDC_LOG_DEBUG);
  if (!install_signal_handlers()) {
    GKDC_ERR("could not install the signal handlers");
    goto out_config;
  }

  if (!gkdc_plugins_load_config() || !gkdc_plugins_init_all())
    goto out_plugins;
  if (!gkdc_coap_start(gkdc_config_root()))
    goto out_plugins;

  log_plugins();
  gkdc_coap_log_endpoints();
  if (endpoints_file != NULL && !gkdc_coap_write_endpoints(endpoints_file))
    goto out_coap;
  GKDC_INFO("serving; send SIGINT or SIGTERM to stop");

  if (gkdc_coap_run(&stop_requested))
    rc = GKDC_EXIT_OK;
  GKDC_INFO("stopping (%s)", stop_requested == SIGINT    ? "SIGINT"
                             : stop_requested == SIGTERM ? "SIGTERM"
                                                         : "event loop error");

out_coap:
  /* Observers and deferred requests hold session references: release them
   * before the plugins go and before the context is freed. */
  gkdc_coap_release_exchanges();
out_plugins:
  gkdc_plugins_unload_all();
  gkdc_coap_stop();
out_config:
  gkdc_config_free();
out_log:
  if (rc == GKDC_EXIT_OK)
    GKDC_INFO("shutdown complete");
  gkdc_log_close();
  return rc;
}
