// What a wallet does with the meta staking pool, written with near-api-js
// (the library wallets are built on). docs/INTEGRATION.md quotes it, and
// integration-tests/tests/e2e/workspaces_near_api_js.rs runs it against a
// localnet node and checks every figure it prints against the contracts'
// views, so the snippets in the docs are known to work.
//
//   node wallet.mjs <step>   step: views | stake | unstake | unstake-all | withdraw-all
//
// Environment: NEAR_RPC (the node's JSON-RPC URL), ROUTER (the pool's
// account), ACCOUNT and ACCOUNT_KEY (the wallet's account and its
// "ed25519:..." secret key; views need only ACCOUNT), AMOUNT_NEAR (stake).
// Prints one JSON object: the step's result and the account as the views
// show it. Amounts are yoctoNEAR strings, as the contracts return them.
import { Account, JsonRpcProvider, nearToYocto, teraToGas } from "near-api-js";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const provider = new JsonRpcProvider({ url: env("NEAR_RPC") });
const router = env("ROUTER");
const accountId = env("ACCOUNT");

// --- Views: a staking screen -------------------------------------------

// The deployment's other contracts, from the router itself.
async function deployment() {
  const config = await provider.callFunction({
    contractId: router,
    method: "get_config",
    args: {},
  });
  return { snear: config.snear_account_id, governance: config.governance_account_id };
}

// What a wallet shows for one account: the core staking-pool views (for a
// liquid account they include the value of its sNEAR), the sNEAR balance
// and price, and the META it can claim or holds.
async function accountView() {
  const { snear, governance } = await deployment();
  const view = (contractId, method, args = { account_id: accountId }) =>
    provider.callFunction({ contractId, method, args });
  return {
    staked: await view(router, "get_account_staked_balance"),
    unstaked: await view(router, "get_account_unstaked_balance"),
    total: await view(router, "get_account_total_balance"),
    can_withdraw: await view(router, "is_account_unstaked_balance_available"),
    available_epoch: await view(router, "get_account_unstaked_available_epoch"),
    snear: await view(snear, "ft_balance_of"),
    snear_value: await view(snear, "get_account_near_value"),
    snear_price: await view(snear, "get_snear_price", {}),
    meta_claimable: await view(snear, "get_unclaimed_governance_tokens"),
    meta: await view(governance, "ft_balance_of"),
  };
}

// The pool as explorers should show it: the stake it delegates next to its
// own (small) account balance; it is not a validator itself.
async function poolView() {
  const { amount } = await provider.viewAccount({ accountId: router });
  const totalStaked = await provider.callFunction({
    contractId: router,
    method: "get_total_staked_balance",
    args: {},
  });
  return { total_staked: totalStaked, router_balance: amount.toString() };
}

// --- Calls: the wallet's buttons ---------------------------------------

// The staking-pool calls, with the gas the router documents: a liquid
// stake or unstake needs 45 Tgas for the sNEAR mint or burn and its
// callback, plus what the router burns before it checks (wallets attach
// more; unused gas is refunded).
const GAS = teraToGas("50");

function wallet() {
  return new Account(accountId, provider, env("ACCOUNT_KEY"));
}

async function call(methodName, args, deposit = 0n) {
  return wallet().callFunction({ contractId: router, methodName, args, deposit, gas: GAS });
}

const steps = {
  views: async () => null,
  // deposit_and_stake: the NEAR is staked and sNEAR minted to the caller.
  stake: async () => call("deposit_and_stake", {}, nearToYocto(env("AMOUNT_NEAR"))),
  // unstake(half of what the wallet shows as staked).
  unstake: async () => {
    const staked = BigInt(
      await provider.callFunction({
        contractId: router,
        method: "get_account_staked_balance",
        args: { account_id: accountId },
      }),
    );
    return call("unstake", { amount: (staked / 2n).toString() });
  },
  // unstake_all: burns all the caller's sNEAR; its value becomes unstaked
  // NEAR, withdrawable from `get_account_unstaked_available_epoch`.
  "unstake-all": async () => call("unstake_all", {}),
  // withdraw_all: once `is_account_unstaked_balance_available` is true.
  "withdraw-all": async () => call("withdraw_all", {}),
};

const step = process.argv[2];
if (!(step in steps)) {
  console.error(`usage: node wallet.mjs <${Object.keys(steps).join("|")}>`);
  process.exit(2);
}
const result = await steps[step]();
console.log(
  JSON.stringify({ step, result: result ?? null, account: await accountView(), pool: await poolView() }),
);
