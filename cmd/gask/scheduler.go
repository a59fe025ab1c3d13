package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gask-dev/gask"
	"github.com/gask-dev/gask/config"
	"github.com/gask-dev/gask/dashboard"
	"github.com/gask-dev/gask/schedulerd"
	"github.com/gask-dev/gask/transport"
)

func schedulerCommand(stdout, stderr io.Writer) *cobra.Command {
	var (
		host                   string
		port                   int
		listen                 string
		tlsCA, tlsCert, tlsKey string
		verbose                bool
		stealing               bool
		dashAddr               string
		noDash                 bool
	)
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Run a scheduler",
		Long: "Run a gask scheduler until SIGINT or SIGTERM. It prints its address on standard output:\n" +
			"  gask scheduler at tcp://127.0.0.1:8786\n" +
			"With --tls-cert and --tls-key it serves TLS (tls://...); with --tls-ca-file too, mutual TLS.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			// Files and GASK_SCHEDULER__* variables give the defaults;
			// flags on the command line win.
			conf, err := config.Load()
			if err != nil {
				return err
			}
			flags := cmd.Flags()
			sc := conf.Scheduler
			if sc.Host != "" && !flags.Changed("host") {
				host = sc.Host
			}
			if sc.Port != nil && !flags.Changed("port") {
				port = *sc.Port
			}
			if sc.WorkStealing != nil && !flags.Changed("work-stealing") {
				stealing = *sc.WorkStealing
			}
			if sc.DashboardAddress != "" && !flags.Changed("dashboard-address") && !flags.Changed("no-dashboard") {
				if sc.DashboardAddress == "none" {
					noDash = true
				} else {
					dashAddr = sc.DashboardAddress
				}
			}
			scheme := "tcp"
			var tcfg transport.Config
			if tlsCA != "" || tlsCert != "" || tlsKey != "" {
				tc, err := transport.LoadTLS(tlsCA, tlsCert, tlsKey, true)
				if err != nil {
					return err
				}
				scheme, tcfg.TLS = "tls", tc
			}
			addr := scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
			if listen != "" {
				var err error
				if addr, err = listenAddr(listen, cmd.Flags().Changed("host") || cmd.Flags().Changed("port"), tcfg.TLS != nil); err != nil {
					return err
				}
			}
			ln, err := transport.Listen(addr, tcfg)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cfg := schedulerd.Config{Build: gask.BuildID(), Logger: log, WorkerTimeout: time.Duration(sc.WorkerTimeout)}
			cfg.Scheduler.AllowedFailures = sc.AllowedFailures
			if !stealing {
				cfg.Scheduler.NoWorkStealing = true
			}
			srv := schedulerd.New(cfg)
			fmt.Fprintf(stdout, "gask scheduler at %s\n", transport.Advertise(transport.Address(ln)))
			if !noDash {
				dash, err := startDashboard(dashAddr, dashAddr != "", host, srv, log)
				if err != nil {
					ln.Close()
					return err
				}
				defer dash.Close()
				fmt.Fprintf(stdout, "gask dashboard at %s\n", dash.URL())
			}
			if err := srv.Serve(ctx, ln); err != nil {
				return err
			}
			log.Info("scheduler stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&host, "host", "127.0.0.1", "interface to listen on (0.0.0.0 for every interface)")
	f.IntVar(&port, "port", 8786, "port to listen on (0 picks a free one)")
	f.StringVar(&listen, "listen", "", "address to listen on as a URL, in place of --host and --port: tcp://HOST:PORT, tls://HOST:PORT (with the TLS flags), or unix:///PATH (a Unix socket, for clients and workers on this machine)")
	f.StringVar(&tlsCA, "tls-ca-file", "", "CA certificate: require clients and workers to present certificates it signed")
	f.StringVar(&tlsCert, "tls-cert", "", "the scheduler's TLS certificate (PEM)")
	f.StringVar(&tlsKey, "tls-key", "", "the scheduler's TLS key (PEM)")
	f.BoolVar(&stealing, "work-stealing", true, "move tasks waiting on busy or paused workers to idle ones (--work-stealing=false: never)")
	f.StringVar(&dashAddr, "dashboard-address", "", "where to serve the dashboard, Prometheus /metrics and /debug/pprof (default: --host, port 8787, or a free port if that one is taken)")
	f.BoolVar(&noDash, "no-dashboard", false, "serve no dashboard")
	f.BoolVarP(&verbose, "verbose", "v", false, "log debug messages")
	return cmd
}

// listenAddr checks a --listen address against the other flags: it
// replaces --host and --port, and the TLS flags go with tls:// alone.
func listenAddr(listen string, hostOrPort, tls bool) (string, error) {
	scheme, _, err := transport.Parse(listen)
	switch {
	case err != nil:
		return "", fmt.Errorf("--listen: %w", err)
	case hostOrPort:
		return "", errors.New("--listen replaces --host and --port: give one or the other")
	case scheme == transport.SchemeInproc:
		return "", fmt.Errorf("--listen %s: an inproc address is reachable only inside one program", listen)
	case tls && scheme != transport.SchemeTLS:
		return "", fmt.Errorf("--listen %s: the TLS flags need a tls:// address", listen)
	case !tls && scheme == transport.SchemeTLS:
		return "", fmt.Errorf("--listen %s: a tls:// address needs --tls-cert and --tls-key", listen)
	}
	return listen, nil
}

// defaultDashboardPort is Dask's.
const defaultDashboardPort = "8787"

// startDashboard serves the dashboard on addr, given by the user, or, if
// not, on the scheduler's host at port 8787, or a free port if that one is
// taken.
func startDashboard(addr string, given bool, host string, src dashboard.Source, log *slog.Logger) (*dashboard.Server, error) {
	if given {
		d, err := dashboard.Listen(addr, src, log)
		if err != nil {
			return nil, fmt.Errorf("--dashboard-address: %w", err)
		}
		return d, nil
	}
	d, err := dashboard.Listen(net.JoinHostPort(host, defaultDashboardPort), src, log)
	if err == nil {
		return d, nil
	}
	log.Info("dashboard port taken; using a free one", "port", defaultDashboardPort, "err", err)
	return dashboard.Listen(net.JoinHostPort(host, "0"), src, log)
}
