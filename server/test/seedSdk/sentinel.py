"""The seed's Python SDK (aegis-sentinel), rebuilt from its documented per-call protocol
(shared/seed/rest-shapes.md, "How the original SDK used it") for issue 12's end-to-end test.

Standard library only (the machine has no httpx). It does what httpx does with
AEGIS_BACKEND_URL=http://user:KEY@host:port/api: the userinfo goes out as HTTP Basic, and a
4xx/5xx answer raises (raise_for_status). No caching: every call asks the backend.
"""
import base64
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request


class SentinelBlockedError(Exception):
    """The firewall blocked the action (policy BLOCK, or a person denied it)."""


class SentinelKillSwitchError(Exception):
    """The agent is paused by the kill-switch."""


class HTTPStatusError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class Backend:
    """db.py: every database operation is an HTTP call to the backend."""

    def __init__(self, url=None):
        parsed = urllib.parse.urlsplit(url or os.environ["AEGIS_BACKEND_URL"])
        self.auth = None
        if parsed.username is not None:
            user = urllib.parse.unquote(parsed.username)
            password = urllib.parse.unquote(parsed.password or "")
            self.auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        netloc = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
        self.base = urllib.parse.urlunsplit((parsed.scheme, netloc, parsed.path, "", ""))

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("user-agent", "python-httpx/0.27.0")
        if data is not None:
            req.add_header("content-type", "application/json")
        if self.auth:
            req.add_header("authorization", f"Basic {self.auth}")
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return json.loads(res.read() or b"null")
        except urllib.error.HTTPError as err:
            raise HTTPStatusError(err.code, err.read().decode(errors="replace")) from None

    # -- the seed's SDK endpoints --------------------------------------------------------
    def register_agent(self, name, owner=""):
        return self.request("POST", "/sdk/register-agent", {"name": name, "owner": owner})

    def register_policy(self, agent, action, rule_type):
        body = {"agent_name": agent, "action": action, "rule_type": rule_type}
        return self.request("POST", "/sdk/register-policy", body)

    def agent_status(self, name):
        return self.request("GET", f"/sdk/agent-status/{urllib.parse.quote(name)}")["status"]

    def policy(self, agent, action):
        path = f"/sdk/policy/{urllib.parse.quote(agent)}/{urllib.parse.quote(action)}"
        return self.request("GET", path)["rule_type"]

    def log(self, agent, action, status, details=""):
        body = {"agent_name": agent, "action": action, "status": status, "details": details}
        return self.request("POST", "/sdk/log", body)

    def update_status(self, name, status):
        return self.request("POST", "/sdk/update-status", {"name": name, "status": status})

    def create_approval(self, agent, action, args):
        body = {"agent_name": agent, "action": action, "args_json": json.dumps(args)}
        return self.request("POST", "/sdk/approval", body)["approval_id"]

    def approval_status(self, approval_id):
        return self.request("GET", f"/sdk/approval-status/{approval_id}")["status"]

    def find_approval(self, agent, action):
        path = f"/sdk/find-approval/{urllib.parse.quote(agent)}/{urllib.parse.quote(action)}"
        return self.request("GET", path)["approval"]

    def decide_approval(self, approval_id, decision):
        return self.request("POST", f"/sdk/decide-approval/{approval_id}", {"decision": decision})


class Sentinel:
    """core.py + decorators.py + cli.py, per guarded call as the seed documents it."""

    def __init__(self, backend, poll_interval=2.0, timeout=60.0):
        self.db = backend
        self.poll_interval = poll_interval
        self.timeout = timeout

    def agent(self, name, owner="", allows=(), blocks=(), reviews=()):
        """@agent: registers the agent and its declared policy at import time."""
        self.db.register_agent(name, owner)
        for rule_type, actions in (("ALLOW", allows), ("BLOCK", blocks), ("REVIEW", reviews)):
            for action in actions:
                self.db.register_policy(name, action, rule_type)

    def wait_for_approval(self, approval_id):
        """Polls the approval until a person decides (APPROVED → True, DENIED → False)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            status = self.db.approval_status(approval_id)
            if status == "APPROVED":
                return True
            if status == "DENIED":
                return False
            time.sleep(self.poll_interval)
        return False

    def request_approval(self, agent, action, args):
        """The non-blocking check: True once approved, False while waiting, raises when denied."""
        found = self.db.find_approval(agent, action)
        if found is not None:
            if found["status"] == "APPROVED":
                return True
            if found["status"] == "DENIED":
                raise SentinelBlockedError(f"{action} was blocked: a reviewer denied it")
            return False
        self.db.create_approval(agent, action, args)
        self.db.log(agent, action, "PENDING", f"Awaiting approval: {json.dumps(args)}")
        return False

    def monitor(self, agent, fn, **kwargs):
        """@monitor: status → policy → (review) → run and log. The tool runs only when allowed."""
        action = fn.__name__
        if self.db.agent_status(agent) == "PAUSED":
            self.db.log(agent, action, "KILLED", "Agent is paused")
            raise SentinelKillSwitchError(f"{agent} is paused")
        rule = self.db.policy(agent, action)
        if rule == "BLOCK":
            self.db.log(agent, action, "BLOCKED", f"Policy blocks {action}")
            raise SentinelBlockedError(f"{action} is blocked for {agent}")
        if rule == "ALLOW":
            result = fn(**kwargs)
            self.db.log(agent, action, "ALLOWED", f"{action}({kwargs})")
            return result
        # REVIEW or unknown: reuse an earlier APPROVED one, else ask and wait
        found = self.db.find_approval(agent, action)
        if found is None or found["status"] != "APPROVED":
            approval_id = self.db.create_approval(agent, action, kwargs)
            self.db.log(agent, action, "PENDING", f"Awaiting approval #{approval_id}")
            if not self.wait_for_approval(approval_id):
                raise SentinelBlockedError(f"{action} was denied for {agent}")
        return fn(**kwargs)

    # cli.py
    def kill_agent(self, name):
        return self.db.update_status(name, "PAUSED")

    def revive_agent(self, name):
        return self.db.update_status(name, "ACTIVE")
