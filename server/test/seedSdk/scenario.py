"""Issue 12: the seed's SDK flow end to end, as one agent process and one reviewer would run it.

AEGIS_BACKEND_URL carries the SDK's key (an agent key or an admin key); REVIEWER_URL a
reviewer's; AGENT names the agent. Prints one JSON object: what each step answered and how often
each tool actually ran.
"""
import json
import os
import sys
import threading
import time

from sentinel import Backend, HTTPStatusError, Sentinel, SentinelBlockedError, SentinelKillSwitchError

AGENT = os.environ["AGENT"]
sdk = Sentinel(Backend(), poll_interval=float(os.environ.get("POLL_INTERVAL", "2")))
reviewer = Backend(os.environ["REVIEWER_URL"])
ran = {"lookup_balance": 0, "delete_records": 0, "refund": 0}
steps = {}


def lookup_balance(customer_id):
    ran["lookup_balance"] += 1
    return 100 * customer_id


def delete_records(table):
    ran["delete_records"] += 1


def refund(order):
    ran["refund"] += 1
    return f"refunded {order}"


def outcome(fn):
    try:
        return {"ok": fn()}
    except SentinelBlockedError as err:
        return {"blocked": str(err)}
    except SentinelKillSwitchError as err:
        return {"killed": str(err)}
    except HTTPStatusError as err:
        return {"http": err.status, "body": err.body}


def pending_refunds():
    found = reviewer.request("GET", "/sdk/pending-approvals")["approvals"]
    return [a["id"] for a in found if a["agent_name"] == AGENT and a["action"] == "refund"]


def decide_all(decision):
    ids = pending_refunds()
    for approval_id in ids:
        reviewer.decide_approval(approval_id, decision)
    return len(ids)


def decide_when_asked(decision):
    """A reviewer who answers the blocking call's approval once it shows up in the queue."""
    def run():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and decide_all(decision) == 0:
            time.sleep(0.1)
    thread = threading.Thread(target=run)
    thread.start()
    return thread


sdk.agent(AGENT, owner="alice", allows=["lookup_balance"], blocks=["delete_records"], reviews=["refund"])
steps["allowed"] = outcome(lambda: sdk.monitor(AGENT, lookup_balance, customer_id=42))
steps["blocked"] = outcome(lambda: sdk.monitor(AGENT, delete_records, table="tmp"))

# the non-blocking path: request_approval until a person answers
args = {"order": 7}
nb = steps["request_approval"] = []
nb.append(outcome(lambda: sdk.request_approval(AGENT, "refund", args)))  # asks: False
nb.append(outcome(lambda: sdk.request_approval(AGENT, "refund", args)))  # still PENDING: False
nb.append(decide_all("APPROVED"))
first = outcome(lambda: sdk.request_approval(AGENT, "refund", args))  # APPROVED: True → run it
nb.append(first)
if first.get("ok") is True:
    refund(**args)
nb.append(outcome(lambda: sdk.request_approval(AGENT, "refund", args)))  # used: asks anew, False
nb.append(decide_all("DENIED"))
nb.append(outcome(lambda: sdk.request_approval(AGENT, "refund", args)))  # raises blocked
nb.append(outcome(lambda: sdk.request_approval(AGENT, "refund", args)))  # reported once: asks anew
nb.append(decide_all("DENIED"))

# the blocking path: @monitor waits for the person (wait_for_approval)
waiter = decide_when_asked("APPROVED")
steps["wait_approved"] = outcome(lambda: sdk.monitor(AGENT, refund, order=8))
waiter.join()
waiter = decide_when_asked("DENIED")
steps["wait_denied"] = outcome(lambda: sdk.monitor(AGENT, refund, order=9))
waiter.join()

# kill-switch with the SDK's own key: sentinel kill, a guarded call, sentinel revive
steps["kill"] = outcome(lambda: sdk.kill_agent(AGENT))
steps["while_killed"] = outcome(lambda: sdk.monitor(AGENT, lookup_balance, customer_id=1))
steps["revive"] = outcome(lambda: sdk.revive_agent(AGENT))
if "http" in steps["revive"]:
    steps["revive_by_reviewer"] = outcome(lambda: reviewer.update_status(AGENT, "ACTIVE"))
steps["after_revive"] = outcome(lambda: sdk.monitor(AGENT, lookup_balance, customer_id=3))

json.dump({"steps": steps, "ran": ran}, sys.stdout)
