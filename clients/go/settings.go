package mcpservice

import (
	"os"
	"strconv"
	"strings"
)

// Settings are the rollout controls of the design's 风险控制 section, shaped for a gateway's config file:
//
//	mcp_service:
//	  use_service: true                 # the switch: false keeps every device on the gateway's own MCP manager
//	  service_url: https://mcp.example.com
//	  api_key: ${MCP_SERVICE_KEY}
//	  fallback: true                    # on a service failure, the session moves to the gateway's MCP manager
//	  traffic_split: 10                 # percent of devices on the service (absent: 100)
type Settings struct {
	UseService bool   `yaml:"use_service" json:"use_service"`
	ServiceURL string `yaml:"service_url" json:"service_url"`
	APIKey     string `yaml:"api_key" json:"api_key"`
	Fallback   bool   `yaml:"fallback" json:"fallback"`
	// TrafficSplit is the percentage (0–100) of devices sent to the service, chosen by InTrafficSplit on the
	// device id; nil means all of them.
	TrafficSplit *float64 `yaml:"traffic_split" json:"traffic_split"`
}

// Percent is a helper for Settings.TrafficSplit literals.
func Percent(p float64) *float64 { return &p }

// The environment variables Settings.WithEnv reads.
const (
	EnvUseService   = "XIAOZHI_MCP_USE_SERVICE"   // true/false, 1/0
	EnvServiceURL   = "XIAOZHI_MCP_SERVICE_URL"   // the service's base URL
	EnvServiceKey   = "XIAOZHI_MCP_SERVICE_KEY"   // the API key
	EnvFallback     = "XIAOZHI_MCP_FALLBACK"      // true/false, 1/0
	EnvTrafficSplit = "XIAOZHI_MCP_TRAFFIC_SPLIT" // percent, 0–100
)

// WithEnv returns the settings with every XIAOZHI_MCP_* variable that is set (and valid) taking precedence:
// the key stays out of config files, and a gateway whose config lives in a database (xiaozhi-server-go) can be
// switched without editing it.
func (s Settings) WithEnv() Settings { return s.withLookup(os.LookupEnv) }

func (s Settings) withLookup(lookup func(string) (string, bool)) Settings {
	if v, ok := lookup(EnvUseService); ok {
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			s.UseService = b
		}
	}
	if v, ok := lookup(EnvServiceURL); ok && v != "" {
		s.ServiceURL = v
	}
	if v, ok := lookup(EnvServiceKey); ok && v != "" {
		s.APIKey = v
	}
	if v, ok := lookup(EnvFallback); ok {
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			s.Fallback = b
		}
	}
	if v, ok := lookup(EnvTrafficSplit); ok {
		if p, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && p >= 0 && p <= 100 {
			s.TrafficSplit = &p
		}
	}
	return s
}
