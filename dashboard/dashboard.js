// The dashboard: reads the router, sNEAR, governance and the validator set
// from a NEAR JSON-RPC node with view calls, and fills index.html. No build
// step and no dependency, so the page can be served from anywhere (or opened
// as a file) and pointed at any node: ?rpc=URL&router=ID[&account=ID].
"use strict";

const YOCTO = 10n ** 24n;
// Validators read per get_validators page, and proposals read from the newest
// back (open ones are recent: a proposal closes within its voting, time-lock
// and grace epochs). The same figures as `operator status`.
const PAGE = 50;
const PROPOSALS_READ = 50;
const OPEN_STATES = ["Active", "Succeeded", "Queued", "Executing"];

// ----- the node -----

function client(rpcUrl) {
  let id = 0;
  async function call(method, params) {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: `dashboard-${++id}`, method, params }),
    });
    const body = await response.json();
    if (body.error) {
      const cause = body.error.cause ? body.error.cause.name : body.error.message;
      throw new Error(`${method}: ${cause} ${JSON.stringify(body.error.data ?? "")}`);
    }
    return body.result;
  }
  async function view(contract, method, args = {}) {
    const result = await call("query", {
      request_type: "call_function",
      finality: "optimistic",
      account_id: contract,
      method_name: method,
      args_base64: btoa(JSON.stringify(args)),
    });
    if (result.error) throw new Error(`${contract}.${method}: ${result.error}`);
    return JSON.parse(new TextDecoder().decode(new Uint8Array(result.result)));
  }
  async function account(id) {
    return call("query", { request_type: "view_account", finality: "optimistic", account_id: id });
  }
  return { call, view, account };
}

// ----- figures -----

/** The fewest of `stakes` (BigInt) holding more than a third of their sum. */
function nakamoto(stakes) {
  const total = stakes.reduce((a, b) => a + b, 0n);
  if (total === 0n) return 0;
  const sorted = [...stakes].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  let held = 0n;
  for (let k = 0; k < sorted.length; k++) {
    held += sorted[k];
    if (held * 3n > total) return k + 1;
  }
  return sorted.length;
}

/**
 * The coefficient of the validator set as it is and in two worlds without
 * the router: its delegations `removed`, or `redirected` to the validators
 * it does not list in proportion to their stake (rounded down, the rest to
 * the largest), as stakers choosing by size would. `net`: {stake, router,
 * outside} per current validator, amounts in BigInt.
 */
function coefficients(net) {
  const without = net.map((v) => v.stake - (v.router < v.stake ? v.router : v.stake));
  const routed = net.reduce((a, v) => a + v.router, 0n);
  const outside = net.filter((v) => v.outside).reduce((a, v) => a + v.stake, 0n);
  const redirected = [...without];
  if (outside > 0n) {
    let given = 0n;
    let largest = -1;
    net.forEach((v, i) => {
      if (!v.outside) return;
      const share = (v.stake * routed) / outside;
      redirected[i] += share;
      given += share;
      if (largest < 0 || net[largest].stake < v.stake) largest = i;
    });
    redirected[largest] += routed - given;
  }
  return {
    with: nakamoto(net.map((v) => v.stake)),
    redirected: nakamoto(redirected),
    removed: nakamoto(without),
  };
}

/** A 24-decimal amount with 4 decimals (rounded down) and its unit. */
function amount(yocto, unit = "NEAR") {
  const y = BigInt(yocto);
  const whole = (y / YOCTO).toLocaleString("en-US");
  const frac = ((y % YOCTO) / 10n ** 20n).toString().padStart(4, "0");
  return unit ? `${whole}.${frac} ${unit}` : `${whole}.${frac}`;
}

/** `part / whole` as a percentage with 2 decimals ("-" when whole is 0). */
function percent(part, whole) {
  if (whole === 0n) return "-";
  const bps = (part * 1000000n) / whole;
  return `${(Number(bps) / 10000).toFixed(2)}%`;
}

// ----- reading -----

async function readPool(node, router) {
  const config = await node.view(router, "get_config");
  const [summary, totalStaked, epoch, routerAccount, validatorSet] = await Promise.all([
    node.view(router, "get_pool_summary"),
    node.view(router, "get_total_staked_balance"),
    node.view(router, "get_epoch_status"),
    node.account(router),
    node.call("validators", [null]),
  ]);
  const validators = [];
  for (;;) {
    const page = await node.view(router, "get_validators", {
      from_index: validators.length,
      limit: PAGE,
    });
    validators.push(...page);
    if (page.length < PAGE) break;
  }
  const snear = config.snear_account_id;
  const governance = config.governance_account_id;
  const [snearPrice, snearSupply, proposalCount] = await Promise.all([
    node.view(snear, "get_snear_price"),
    node.view(snear, "ft_total_supply"),
    node.view(governance, "get_proposal_count"),
  ]);
  const from = Math.max(0, proposalCount - PROPOSALS_READ);
  const proposals = await node.view(governance, "get_proposals", {
    from_index: from,
    limit: PROPOSALS_READ,
  });
  return {
    router, config, summary, totalStaked, epoch, routerAccount, validatorSet, validators,
    snearPrice, snearSupply, proposalCount, proposals,
  };
}

async function readAccount(node, router, config, id) {
  const who = { account_id: id };
  const snear = config.snear_account_id;
  const governance = config.governance_account_id;
  const [details, staked, unstaked, available, snearBalance, meta, locked, claimable] = await Promise.all([
    node.view(router, "get_account_details", who),
    node.view(router, "get_account_staked_balance", who),
    node.view(router, "get_account_unstaked_balance", who),
    node.view(router, "is_account_unstaked_balance_available", who),
    node.view(snear, "ft_balance_of", who),
    node.view(governance, "ft_balance_of", who),
    node.view(governance, "get_locked_balance", who),
    node.view(snear, "get_unclaimed_governance_tokens", who),
  ]);
  return { id, details, staked, unstaked, available, snearBalance, meta, locked, claimable };
}

// ----- the page -----

/** Sets the `data-field` element under `scope` to `text`; `yocto` (a U128
 * string) also goes to `data-yocto`, the exact figure behind the text. */
function show(scope, field, text, yocto) {
  const el = scope.querySelector(`[data-field="${field}"]`);
  if (!el) throw new Error(`the page has no field ${field}`);
  el.textContent = text;
  if (yocto !== undefined) el.dataset.yocto = String(yocto);
}

function cell(row, field, text, yocto) {
  const td = document.createElement("td");
  td.dataset.field = field;
  td.textContent = text;
  if (yocto !== undefined) td.dataset.yocto = String(yocto);
  row.appendChild(td);
}

function renderPool(p) {
  const page = document.querySelector("main");
  show(page, "router", p.router);
  show(page, "total_staked", amount(p.totalStaked), p.totalStaked);
  show(page, "router_balance", amount(p.routerAccount.amount), p.routerAccount.amount);
  show(page, "router_locked", amount(p.routerAccount.locked), p.routerAccount.locked);
  show(page, "snear_price", amount(p.snearPrice, ""), p.snearPrice);
  show(page, "snear_supply", amount(p.snearSupply, "sNEAR"), p.snearSupply);
  show(page, "unplaced_stake", amount(p.summary.unplaced_stake), p.summary.unplaced_stake);
  show(page, "epoch_height", String(p.epoch.epoch_height));
  show(page, "staking_state", p.epoch.staking_paused ? "paused" : "open");

  const listed = new Map(p.validators.map((v) => [v.account_id, BigInt(v.staked)]));
  const current = p.validatorSet.current_validators;
  const net = current.map((v) => ({
    id: v.account_id,
    stake: BigInt(v.stake),
    router: listed.get(v.account_id) ?? 0n,
    outside: !listed.has(v.account_id),
  }));
  const networkStake = net.reduce((a, v) => a + v.stake, 0n);
  const c = coefficients(net);
  show(page, "network_validators", String(net.length));
  show(page, "network_stake", amount(networkStake), networkStake);
  show(page, "nakamoto_with", String(c.with));
  show(page, "nakamoto_redirected", String(c.redirected));
  show(page, "nakamoto_removed", String(c.removed));

  const delegated = p.validators.reduce((a, v) => a + BigInt(v.staked), 0n);
  const inSet = new Map(net.map((v) => [v.id, v.stake]));
  const body = document.querySelector("#validators tbody");
  body.replaceChildren();
  for (const v of p.validators) {
    const row = document.createElement("tr");
    row.dataset.validator = v.account_id;
    const staked = BigInt(v.staked);
    const stake = inSet.get(v.account_id);
    cell(row, "account_id", v.account_id);
    cell(row, "state", typeof v.state === "string" ? v.state : Object.keys(v.state)[0]);
    cell(row, "weight", `${(v.weight_bps / 100).toFixed(2)}%`);
    cell(row, "staked", amount(v.staked), v.staked);
    cell(row, "share_of_router", percent(staked, delegated));
    cell(row, "cap", amount(v.cap), v.cap);
    if (stake === undefined) {
      cell(row, "validator_stake", "not in the validator set");
      cell(row, "router_part", "-");
      cell(row, "network_share", "-");
    } else {
      cell(row, "validator_stake", amount(stake), stake);
      cell(row, "router_part", percent(staked, stake));
      cell(row, "network_share", percent(stake, networkStake));
    }
    cell(row, "lock", v.lock === null ? "-" : JSON.stringify(v.lock));
    body.appendChild(row);
  }
  show(page, "validator_count", String(p.validators.length));

  const e = p.epoch;
  show(page, "unstake_backlog", amount(e.unstake_backlog), e.unstake_backlog);
  show(page, "unstake_pending", e.unstake_pending ? "yes" : "no");
  show(page, "withdraw_pending", e.withdraw_pending ? "yes" : "no");
  show(page, "validators_to_sync", String(e.validators_to_sync));
  show(page, "calls_in_flight", String(e.calls_in_flight));
  show(page, "work_pending", e.work_pending ? "yes" : "no");

  const open = p.proposals.filter((x) => OPEN_STATES.includes(x.state));
  show(page, "proposal_count", String(p.proposalCount));
  show(page, "open_proposal_count", String(open.length));
  const proposals = document.querySelector("#dao tbody");
  proposals.replaceChildren();
  for (const x of open) {
    const row = document.createElement("tr");
    row.dataset.proposal = String(x.id);
    cell(row, "id", String(x.id));
    cell(row, "state", x.state);
    cell(row, "kind", typeof x.kind === "string" ? x.kind : Object.keys(x.kind)[0]);
    cell(row, "description", x.description);
    cell(row, "for_votes", amount(x.for_votes, "META"), x.for_votes);
    cell(row, "against_votes", amount(x.against_votes, "META"), x.against_votes);
    cell(row, "quorum_votes", amount(x.quorum_votes, "META"), x.quorum_votes);
    cell(row, "voting_ends_epoch", String(x.voting_ends_epoch));
    proposals.appendChild(row);
  }
}

function renderAccount(a) {
  const section = document.querySelector("#account");
  section.hidden = false;
  show(section, "account_id", a.id);
  show(section, "account_staked", amount(a.staked), a.staked);
  show(section, "account_unstaked", amount(a.unstaked), a.unstaked);
  show(section, "account_available_epoch", String(a.details.unstaked_available_epoch));
  show(section, "account_can_withdraw", a.available ? "yes" : "no");
  show(section, "account_snear", amount(a.snearBalance, "sNEAR"), a.snearBalance);
  show(section, "account_meta", amount(a.meta, "META"), a.meta);
  show(section, "account_meta_locked", amount(a.locked.locked, "META"), a.locked.locked);
  show(section, "account_meta_claimable", amount(a.claimable, "META"), a.claimable);
}

async function main() {
  const params = new URLSearchParams(location.search);
  const form = document.querySelector("#where");
  for (const name of ["rpc", "router", "account"]) form.elements[name].value = params.get(name) ?? "";
  const rpc = params.get("rpc");
  const router = params.get("router");
  if (!rpc || !router) {
    document.body.dataset.state = "idle";
    return;
  }
  const node = client(rpc);
  const pool = await readPool(node, router);
  renderPool(pool);
  const account = params.get("account");
  if (account) renderAccount(await readAccount(node, router, pool.config, account));
  document.querySelector("main").hidden = false;
  document.body.dataset.state = "ready";
}

main().catch((e) => {
  const error = document.querySelector("#error");
  error.textContent = `Could not read the pool: ${e.message}`;
  error.hidden = false;
  document.body.dataset.state = "error";
});
