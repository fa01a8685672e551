package gojinn

import "github.com/caddyserver/caddy/v2"

// CronStatusNow is the running config's cronStatus (what GET /gojinn/cron
// serves), for the tests.
func CronStatusNow() ([]CronStatus, error) {
	app, err := caddy.ActiveContext().AppIfConfigured("gojinn")
	if err != nil {
		return nil, err
	}
	return app.(*App).cronStatus(), nil
}
