package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/labd/labd/content"
	"github.com/labd/labd/internal/browsertest"
	"github.com/labd/labd/lessons"
)

// mistake is something a student gets wrong in an exercise: the lines they
// type, and a phrase the check's message must contain so they can fix it.
type mistake struct {
	typed  []string
	want   string
	screen bool     // log the terminal after the mistake (figures for the closing note)
	after  []string // typed once the check passes, terminal logged (the same figures, fixed)
}

// dockerLessonMistakes are the realistic mistakes replayed per lesson, by
// exercise id. Every exercise is also done right afterwards.
var dockerLessonMistakes = map[string]map[string]mistake{
	"04-images": {
		"run": {typed: []string{"docker run -d --name web -e TZ=Asia/Shanghai nginx:1.22", "curl localhost:8080"},
			want: "publishes no port"},
		"stop": {typed: []string{"docker run -d --name stubborn busybox sleep 100000", "time docker stop stubborn",
			"docker run -d --name polite busybox sleep 100000", "time docker stop polite"},
			want: "run it again with --init"},
	},
	"05-dockerfile": {
		"run": {typed: []string{"docker rm -f hello-node", "docker run -d --name hello-node hello-node:1.0.0", "curl localhost:8080"},
			want: "publishes no port"},
		"cache": {typed: []string{"cd /root/dockerfile", "cat > Dockerfile <<'EOF'", "FROM node:18-bookworm-slim", "WORKDIR /app",
			"COPY . .", "RUN npm ci", "ARG VERSION", "ENV APP_VERSION=$VERSION", "EXPOSE 3000", `CMD ["node", "server.js"]`, "EOF",
			"docker build --build-arg VERSION=1.2.0 -t hello-node:1.2.0 .", `echo "// edited at $(date +%T)" >> server.js`,
			"docker build --build-arg VERSION=1.2.1 -t hello-node:1.2.1 .", "cd"},
			want: "COPY package.json package-lock.json ./ first"},
	},
	"06-tiny-images": {
		"slim": {typed: []string{"cd /root/06-tiny-images/hello", "cat > Dockerfile <<'EOF'",
			"FROM gcc:12 AS build", "WORKDIR /src", "COPY hello.c .", "RUN gcc -static -O2 -o hello hello.c", "",
			"FROM gcc:12", "COPY --from=build /src/hello /hello", `CMD ["/hello"]`, "EOF",
			"docker build -t hello:slim .", "cd"},
			want: "still has gcc in it"},
	},
	"07-pid1": {
		"foreground": {typed: []string{"cd /root/pid1", "sed -i 's|^CMD .*|CMD node server.js|' Dockerfile",
			"docker build -t pid1-app .", "docker rm -f web", "docker run -d --name web -p 8080:3000 pid1-app", "cd"},
			want: "shell-form CMD"},
		"sigterm": {typed: []string{"docker rm -f sleeper", "docker run -d --name sleeper busybox sleep 10000",
			"time docker stop sleeper", "docker start sleeper"},
			want: "ignores it", screen: true, after: []string{"time docker stop sleeper"}},
	},
	"08-volumes-networks": {
		"publish": {typed: []string{"docker rm -f web", "docker run -d --name web -p 8080:8080 nginx", "curl http://localhost:8080"},
			want: "nginx listens on port 80 in the container"},
		"network": {typed: []string{"docker run -d --name cache redis:7", "docker run -d --name app redis:7 sleep infinity",
			"docker exec app redis-cli -h cache ping"},
			want: "not on the same user-defined network"},
	},
	"09-compose": {
		"up": {typed: []string{"cd /root/compose", "cat > docker-compose.yml <<'EOF'", "services:", "  web:", "    build: ./app",
			"    ports:", `      - "8080:3000"`, "    environment:", "      REDIS_HOST: cache", "    depends_on:", "      - redis",
			"  redis:", "    image: redis:7", "EOF", "docker compose up -d", "curl localhost:8080", "cd"},
			want: "set REDIS_HOST to redis"},
	},
}

// shown are commands typed once an exercise has passed, and the terminal
// logged: what the student sees of the result.
var shown = map[string]map[string][]string{
	"10-kubernetes": {
		"readiness": {"kubectl get pods -l app=web -o custom-columns=POD:.metadata.name,IMAGE:.spec.containers[0].image,READY:.status.containerStatuses[0].ready,IP:.status.podIP", "kubectl get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}{\"\\t\"}ready={.conditions.ready}{\"\\n\"}{end}'"},
	},
}

// The Docker lessons done once in a real browser as a student would: for
// each exercise, make the lesson's realistic mistake where there is one and
// read the check's message, then paste the solution into the terminal (as
// the Copy button and Ctrl+V do) and see the check pass.
func TestDockerLessonsAsAStudent(t *testing.T) {
	course, err := lessons.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	srv := newLabd(t)
	ctx := browsertest.New(t)
	for _, slug := range []string{"04-images", "05-dockerfile", "06-tiny-images", "07-pid1", "08-volumes-networks", "09-compose", "10-kubernetes"} {
		t.Run(slug, func(t *testing.T) {
			l := course.Lesson(slug)
			if l == nil {
				t.Fatalf("lesson %s is missing", slug)
			}
			start := time.Now()
			do(t, ctx, 30*time.Second, "opening "+slug, chromedp.Navigate(srv.url("/lessons/"+slug)))
			waitPrompt(t, ctx, 3*time.Minute)
			// As a student waits for "Preparing this lesson in your sandbox…" to go.
			waitJS(t, ctx, 3*time.Minute, "the lesson's setup", `document.getElementById('setup-status').dataset.state === 'ready'`)
			for _, ex := range l.Exercises() {
				if m, ok := dockerLessonMistakes[slug][ex.ID]; ok {
					for _, line := range m.typed {
						typeAndWait(t, ctx, line)
					}
					waitTyped(t, ctx, slug+"-"+ex.ID+"-mistake", 3*time.Minute)
					msg := pressCheck(t, ctx, ex.ID, "fail")
					if !strings.Contains(msg, m.want) {
						t.Errorf("%s: after the mistake the check says %q, want it to mention %q", ex.ID, msg, m.want)
					}
					t.Logf("%s: mistake %q → %q", ex.ID, strings.Join(m.typed, "; "), msg)
					if m.screen {
						t.Logf("%s: the terminal after the mistake:\n%s", ex.ID, lastLines(screen(ctx), 12))
					}
				}
				pasteText(t, ctx, ex.Solution.Source)
				waitTyped(t, ctx, slug+"-"+ex.ID, 5*time.Minute)
				msg := pressCheck(t, ctx, ex.ID, "pass")
				t.Logf("%s: passed: %q", ex.ID, msg)
				if lines, ok := shown[slug][ex.ID]; ok {
					for _, line := range lines {
						typeLine(t, ctx, line)
					}
					waitTyped(t, ctx, slug+"-"+ex.ID+"-shown", time.Minute)
					t.Logf("%s: the terminal after it passed:\n%s", ex.ID, lastLines(screen(ctx), 16))
				}
				if m, ok := dockerLessonMistakes[slug][ex.ID]; ok {
					for _, line := range m.after {
						typeLine(t, ctx, line)
					}
					if len(m.after) > 0 {
						waitTyped(t, ctx, slug+"-"+ex.ID+"-after", 3*time.Minute)
					}
					t.Logf("%s: the terminal after the solution:\n%s", ex.ID, lastLines(screen(ctx), 12))
				}
			}
			t.Logf("%d exercises done in the browser in %s", len(l.Exercises()), time.Since(start).Round(time.Second))
		})
	}
}

// pressCheck clicks an exercise's Check button and waits for the result
// to be want ("pass" or "fail"); it returns the check's message.
func pressCheck(t *testing.T, ctx context.Context, id, want string) string {
	t.Helper()
	button := fmt.Sprintf(`[data-testid=check][data-exercise=%q]`, id)
	result := fmt.Sprintf(`document.querySelector('[data-testid=exercise][data-exercise=%q] [data-testid=check-result]')`, id)
	// Clear the last result so a stale one is not mistaken for this one.
	eval[bool](t, ctx, result+`.dataset.state = 'none', true`)
	do(t, ctx, 10*time.Second, "pressing Check on "+id, chromedp.Click(chromedp.CSS(button)))
	waitJS(t, ctx, 2*time.Minute, "the check of "+id+" to finish", `['pass', 'fail'].includes(`+result+`.dataset.state)`)
	msg := strings.TrimSpace(eval[string](t, ctx, result+`.innerText`))
	if got := eval[string](t, ctx, result+`.dataset.state`); got != want {
		t.Fatalf("check of %s: %s, want %s; it says %q\nscreen:\n%s", id, got, want, msg, screen(ctx))
	}
	return msg
}

// pasteText pastes text into the terminal the way Ctrl+V does: a paste
// event on xterm's textarea, which xterm sends bracketed when bash asks.
func pasteText(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	text = strings.TrimRight(text, "\n") + "\n"
	eval[bool](t, ctx, fmt.Sprintf(`(() => {
		const area = [...document.querySelectorAll('#terminal-pane .xterm-helper-textarea')].find(a => a.offsetParent !== null);
		const data = new DataTransfer();
		data.setData('text/plain', %q);
		area.focus();
		area.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
		return true;
	})()`, text))
}

// waitTyped types an echo of a marker and waits for it on the screen: the
// commands before it have finished.
func waitTyped(t *testing.T, ctx context.Context, marker string, timeout time.Duration) {
	t.Helper()
	typeLine(t, ctx, "echo done-"+marker)
	waitJS(t, ctx, timeout, "the commands for "+marker+" to finish",
		fmt.Sprintf(`window.labdTerminals.text().split('\n').some(l => l.trim() === %q)`, "done-"+marker))
}

// typeAndWait types a line and waits for bash to ask for the next one (a
// prompt, or "> " inside a heredoc), as a student does: keys typed while a
// command still runs (a 10 s docker stop) would reach it, not the shell.
func typeAndWait(t *testing.T, ctx context.Context, line string) {
	t.Helper()
	before := screen(ctx)
	typeLine(t, ctx, line)
	waitJS(t, ctx, 3*time.Minute, fmt.Sprintf("the shell to finish %q", line), fmt.Sprintf(
		`(s => s !== %q && /[#>]$/.test(s.trimEnd()))(window.labdTerminals.text())`, before))
}
