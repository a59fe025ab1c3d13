// Package config reads gask's settings from YAML files and environment
// variables, as Dask's configuration does: one typed schema (Config), with
// a site's defaults in /etc/gask, a user's in ~/.config/gask, a file or
// directory named by $GASK_CONFIG, and variables such as
// GASK_SCHEDULER__WORK_STEALING=false above them all.
//
//	# /etc/gask/jobqueue.yaml: the site's batch defaults
//	jobqueue:
//	  slurm:
//	    queue: regular
//	    account: physics
//	    cores: 8
//	    memory: 32GiB
//	    walltime: 2h
//	    prologue: ["module load gcc"]
//
// Every file is *.yaml or *.yml; a directory's files are read in name
// order. Later sources override earlier ones key by key (lists are
// replaced whole): /etc/gask, then $XDG_CONFIG_HOME/gask (default
// ~/.config/gask), then $GASK_CONFIG, then the environment. An environment
// variable GASK_A__B__C_D sets a.b.c-d: "__" separates levels, "_" is "-",
// and its value is read as YAML ("false", "8", "[a, b]"). An unknown key,
// in a file or a variable, is an error that names it; so is a value of the
// wrong type.
//
// gask scheduler takes its defaults from the scheduler section (flags
// override them); jobqueue.New fills the fields a Config leaves unset from
// jobqueue.<system> (slurm, sge).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gask-dev/gask/internal/allocation"
)

// Config is every setting. Zero values are unset: the component's own
// default applies.
type Config struct {
	Scheduler Scheduler `yaml:"scheduler"`
	Jobqueue  Jobqueue  `yaml:"jobqueue"`
}

// Scheduler configures `gask scheduler` (its flags override these).
type Scheduler struct {
	Host             string   `yaml:"host"`
	Port             *int     `yaml:"port"` // 0 picks a free one
	WorkStealing     *bool    `yaml:"work-stealing"`
	AllowedFailures  int      `yaml:"allowed-failures"`  // worker deaths a task may see
	WorkerTimeout    Duration `yaml:"worker-timeout"`    // silence after which a worker is dead
	DashboardAddress string   `yaml:"dashboard-address"` // "none" serves no dashboard
}

// Jobqueue holds the defaults of batch clusters, by system.
type Jobqueue struct {
	SLURM Job `yaml:"slurm"`
	SGE   Job `yaml:"sge"`
}

// Job is the defaults of one batch system's clusters: the fields of
// jobqueue.Config, under dask-jobqueue's names where they have one.
type Job struct {
	Name           string   `yaml:"name"`
	Cores          int      `yaml:"cores"`
	Memory         Bytes    `yaml:"memory"`
	Walltime       Duration `yaml:"walltime"`
	Queue          string   `yaml:"queue"`
	Account        string   `yaml:"account"`
	Directives     []string `yaml:"job-extra-directives"`
	Prologue       []string `yaml:"job-script-prologue"`
	LogDirectory   string   `yaml:"log-directory"`
	LocalDirectory string   `yaml:"local-directory"`
	Command        []string `yaml:"command"`
	WorkerArgs     []string `yaml:"worker-extra-args"`
	Nanny          *bool    `yaml:"nanny"`
	Lifetime       Duration `yaml:"lifetime"`
	Interface      string   `yaml:"interface"`
	Listen         string   `yaml:"scheduler-address"`
}

// Duration is a time.Duration written as Go writes one ("90s", "2h30m"),
// or as dask-jobqueue's walltimes ("02:30:00", "30:00").
type Duration time.Duration

// UnmarshalYAML reads a Duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := parseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	if v, err := time.ParseDuration(s); err == nil {
		return v, nil
	}
	// [[hours:]minutes:]seconds
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("duration %q: want 90s, 2h30m or HH:MM:SS", s)
	}
	var total time.Duration
	for _, p := range parts {
		var n uint
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || p == "" || strings.Trim(p, "0123456789") != "" {
			return 0, fmt.Errorf("duration %q: want 90s, 2h30m or HH:MM:SS", s)
		}
		total = total*60 + time.Duration(n)
	}
	return total * time.Second, nil
}

// Bytes is a size written as "32GiB", "512MB" or a number of bytes.
type Bytes int64

// UnmarshalYAML reads a Bytes.
func (b *Bytes) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := allocation.ParseBytes(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = Bytes(v)
	return nil
}

// EnvPrefix begins the environment variables that set keys.
const EnvPrefix = "GASK_"

// Paths are the files and directories Load reads, in order: later ones
// override earlier ones.
func Paths() []string {
	paths := []string{"/etc/gask"}
	if dir, err := os.UserConfigDir(); err == nil {
		paths = append(paths, filepath.Join(dir, "gask"))
	}
	if p := os.Getenv("GASK_CONFIG"); p != "" {
		paths = append(paths, p)
	}
	return paths
}

// Load reads the configuration from Paths and the environment.
func Load() (*Config, error) { return LoadFrom(Paths(), os.Environ()) }

// LoadFrom reads the configuration from paths (files or directories of
// files; missing ones are skipped) and then from environ ("KEY=value"
// pairs, as os.Environ gives).
//
// Each source is decoded straight into the one Config, which sets only
// the keys the source has (lists replace lists): a value keeps the text
// it was written with ("0123" stays an account named 0123, not 83).
func LoadFrom(paths []string, environ []string) (*Config, error) {
	cfg := new(Config)
	for _, p := range paths {
		files, err := yamlFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("config: %w", err)
			}
			if err := decode(b, cfg); err != nil {
				return nil, fmt.Errorf("config %s: %w", f, err)
			}
		}
	}
	if err := fromEnv(environ, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// yamlFiles lists path if it is a file, or its YAML files if a directory.
func yamlFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("config: %w", err)
	case !fi.IsDir():
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var out []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, filepath.Join(path, e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}

// parse checks a source against the schema, as a file is read.
func parse(b []byte) (*Config, error) {
	cfg := new(Config)
	if err := decode(b, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func decode(b []byte, cfg *Config) error {
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return err
	}
	return nil
}

// fromEnv decodes the GASK_A__B=value variables of environ into cfg, each
// checked against the schema. A value is read as YAML ("false", "8",
// "[a, b]") but keeps its text where the setting is a string.
func fromEnv(environ []string, cfg *Config) error {
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, EnvPrefix)
		if !ok || !strings.Contains(rest, "__") {
			continue // GASK_CONFIG, GASK_WORKER, ...: not keys
		}
		key := strings.ReplaceAll(strings.ToLower(rest), "__", ".")
		val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""}
		if value != "" {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(value), &doc); err != nil {
				return fmt.Errorf("config: %s: %w", name, err)
			}
			if len(doc.Content) == 1 {
				val = doc.Content[0]
			}
		}
		path := strings.Split(strings.ToLower(rest), "__")
		for i := len(path) - 1; i >= 0; i-- {
			k := &yaml.Node{Kind: yaml.ScalarNode, Value: strings.ReplaceAll(path[i], "_", "-")}
			val = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, val}}
		}
		b, err := yaml.Marshal(val)
		if err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
		if err := decode(b, cfg); err != nil {
			return fmt.Errorf("config: %s (%s): %w", name, key, err)
		}
	}
	return nil
}
