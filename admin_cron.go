package gojinn

import "net/http"

// serveCron answers GET /gojinn/cron (admin.api.gojinn): the running
// config's schedules.
func serveCron(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	app, err := runningApp()
	if err != nil {
		return err
	}
	return writeJSON(w, app.cronStatus())
}
