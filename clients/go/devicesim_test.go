package mcpservice

// A XiaoZhi device in miniature, for the relay round trip: it connects to a gateway over WebSocket with the
// device's hello ("features": {"mcp": true}) and answers the MCP requests it is forwarded as the firmware's
// McpServer does (78/xiaozhi-esp32 main/mcp_server.cc; test/device-simulator.ts is the full version):
// it reads only `payload`; drops anything without jsonrpc "2.0", a string method and a numeric id, and every
// notifications/*; pages tools/list (here two tools a page, nextCursor naming the next page's first tool);
// counts an argument only when its JSON type matches the schema's; answers errors as {"message"} without code;
// returns values as one text item.

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/gorilla/websocket"
)

type simTool struct {
	name, description string
	properties        map[string]map[string]interface{} // name → {type, minimum?, maximum?}
	run               func(args map[string]interface{}) (string, error)
}

type deviceSim struct {
	conn *websocket.Conn

	mu       sync.Mutex
	volume   int
	theme    string
	hold     bool                   // while true, tools/call requests are received but never answered
	received []string               // methods received, in order
	vision   map[string]interface{} // capabilities.vision of initialize
	hello    map[string]interface{} // the server hello
	helloCh  chan struct{}
	tools    []simTool
	writeMu  sync.Mutex
}

const simPageSize = 2

func newDeviceSim() *deviceSim {
	d := &deviceSim{volume: 50, theme: "light", helloCh: make(chan struct{})}
	d.tools = []simTool{
		{name: "self.get_device_status", description: "Provides the real-time information of the device.",
			run: func(map[string]interface{}) (string, error) {
				d.mu.Lock()
				defer d.mu.Unlock()
				b, _ := json.Marshal(map[string]interface{}{"audio_speaker": map[string]int{"volume": d.volume},
					"screen": map[string]string{"theme": d.theme}})
				return string(b), nil
			}},
		{name: "self.audio_speaker.set_volume", description: "Set the volume of the audio speaker.",
			properties: map[string]map[string]interface{}{"volume": {"type": "integer", "minimum": 0.0, "maximum": 100.0}},
			run: func(args map[string]interface{}) (string, error) {
				d.mu.Lock()
				d.volume = int(args["volume"].(float64))
				d.mu.Unlock()
				return "true", nil
			}},
		{name: "self.screen.set_theme", description: "Set the theme of the screen: light or dark.",
			properties: map[string]map[string]interface{}{"theme": {"type": "string"}},
			run: func(args map[string]interface{}) (string, error) {
				t := args["theme"].(string)
				if t != "light" && t != "dark" {
					return "false", nil
				}
				d.mu.Lock()
				d.theme = t
				d.mu.Unlock()
				return "true", nil
			}},
	}
	return d
}

// connect dials the gateway and sends the device hello.
func (d *deviceSim) connect(url, deviceID string) error {
	header := map[string][]string{"Device-Id": {deviceID}, "Client-Id": {"client-" + deviceID}, "Protocol-Version": {"1"}}
	conn, _, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		return err
	}
	d.conn = conn
	go d.read()
	return d.send(map[string]interface{}{"type": "hello", "version": 1, "transport": "websocket",
		"features":     map[string]bool{"mcp": true},
		"audio_params": map[string]interface{}{"format": "opus", "sample_rate": 16000, "channels": 1, "frame_duration": 60}})
}

func (d *deviceSim) close() { _ = d.conn.Close() }

func (d *deviceSim) send(v interface{}) error {
	b, _ := json.Marshal(v)
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	return d.conn.WriteMessage(websocket.TextMessage, b)
}

// notify sends a device-initiated notification (no id).
func (d *deviceSim) notify(method string, params map[string]interface{}) error {
	return d.send(map[string]interface{}{"session_id": "", "type": "mcp",
		"payload": map[string]interface{}{"jsonrpc": "2.0", "method": method, "params": params}})
}

func (d *deviceSim) methods() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.received...)
}

func (d *deviceSim) read() {
	for {
		_, frame, err := d.conn.ReadMessage()
		if err != nil {
			return
		}
		var env map[string]interface{}
		if json.Unmarshal(frame, &env) != nil {
			continue
		}
		switch env["type"] {
		case "hello":
			d.mu.Lock()
			if d.hello == nil {
				d.hello = env
				close(d.helloCh)
			}
			d.mu.Unlock()
		case "mcp":
			if payload, ok := env["payload"].(map[string]interface{}); ok {
				d.handle(payload)
			}
		}
	}
}

func (d *deviceSim) handle(p map[string]interface{}) {
	method, _ := p["method"].(string)
	d.mu.Lock()
	d.received = append(d.received, method)
	d.mu.Unlock()
	if p["jsonrpc"] != "2.0" || method == "" || len(method) >= 13 && method[:13] == "notifications" {
		return
	}
	params, hasParams := p["params"].(map[string]interface{})
	if _, present := p["params"]; present && !hasParams {
		return
	}
	idf, ok := p["id"].(float64)
	if !ok {
		return
	}
	id := int(idf)
	switch method {
	case "initialize":
		if caps, ok := params["capabilities"].(map[string]interface{}); ok {
			if v, ok := caps["vision"].(map[string]interface{}); ok {
				d.mu.Lock()
				d.vision = v
				d.mu.Unlock()
			}
		}
		d.reply(id, map[string]interface{}{"protocolVersion": "2024-11-05", "capabilities": map[string]interface{}{"tools": map[string]interface{}{}},
			"serverInfo": map[string]string{"name": "go-sim-board", "version": "2.0.0"}})
	case "tools/list":
		cursor, _ := params["cursor"].(string)
		d.listTools(id, cursor)
	case "tools/call":
		d.callTool(id, params)
	default:
		d.fail(id, "Method not implemented: "+method)
	}
}

func (d *deviceSim) listTools(id int, cursor string) {
	start := 0
	if cursor != "" {
		start = -1
		for i, t := range d.tools {
			if t.name == cursor {
				start = i
			}
		}
		if start < 0 {
			d.reply(id, map[string]interface{}{"tools": []interface{}{}})
			return
		}
	}
	page := []interface{}{}
	end := start + simPageSize
	if end > len(d.tools) {
		end = len(d.tools)
	}
	for _, t := range d.tools[start:end] {
		props := map[string]interface{}{}
		required := []string{}
		for name, schema := range t.properties {
			props[name] = schema
			required = append(required, name)
		}
		schema := map[string]interface{}{"type": "object", "properties": props}
		if len(required) > 0 {
			schema["required"] = required
		}
		page = append(page, map[string]interface{}{"name": t.name, "description": t.description, "inputSchema": schema})
	}
	result := map[string]interface{}{"tools": page}
	if end < len(d.tools) {
		result["nextCursor"] = d.tools[end].name
	}
	d.reply(id, result)
}

func (d *deviceSim) callTool(id int, params map[string]interface{}) {
	if params == nil {
		d.fail(id, "Missing params")
		return
	}
	name, ok := params["name"].(string)
	if !ok {
		d.fail(id, "Missing name")
		return
	}
	var tool *simTool
	for i := range d.tools {
		if d.tools[i].name == name {
			tool = &d.tools[i]
		}
	}
	if tool == nil {
		d.fail(id, "Unknown tool: "+name)
		return
	}
	given, _ := params["arguments"].(map[string]interface{})
	args := map[string]interface{}{}
	for prop, schema := range tool.properties {
		v := given[prop]
		switch schema["type"] {
		case "integer":
			n, ok := v.(float64)
			if !ok {
				d.fail(id, "Missing valid argument: "+prop)
				return
			}
			if max, ok := schema["maximum"].(float64); ok && n > max {
				d.fail(id, fmt.Sprintf("Value exceeds maximum allowed: %d", int(max)))
				return
			}
			if min, ok := schema["minimum"].(float64); ok && n < min {
				d.fail(id, fmt.Sprintf("Value is below minimum allowed: %d", int(min)))
				return
			}
		case "string":
			if _, ok := v.(string); !ok {
				d.fail(id, "Missing valid argument: "+prop)
				return
			}
		}
		args[prop] = v
	}
	d.mu.Lock()
	hold := d.hold
	d.mu.Unlock()
	if hold {
		return
	}
	go func() { // the firmware schedules the call on its main task and answers later
		text, err := tool.run(args)
		if err != nil {
			d.fail(id, err.Error())
			return
		}
		d.reply(id, map[string]interface{}{"content": []interface{}{map[string]string{"type": "text", "text": text}}, "isError": false})
	}()
}

func (d *deviceSim) reply(id int, result interface{}) {
	_ = d.send(map[string]interface{}{"session_id": "", "type": "mcp", "payload": map[string]interface{}{"jsonrpc": "2.0", "id": id, "result": result}})
}

func (d *deviceSim) fail(id int, message string) {
	_ = d.send(map[string]interface{}{"session_id": "", "type": "mcp", "payload": map[string]interface{}{"jsonrpc": "2.0", "id": id, "error": map[string]string{"message": message}}})
}
