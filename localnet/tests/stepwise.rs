//! Block-by-block execution, epoch changes between a call and its callback,
//! and fast advancing over many blocks and epochs.

mod common;
use common::*;
use localnet::{FinalStatus, Gas, Localnet};
use serde_json::{json, Value};

const EPOCH: u64 = 10;

#[test]
fn an_epoch_change_lands_between_a_call_and_its_callback() {
    let mut net = Localnet::builder().epoch_length(EPOCH).build();
    let alice = net.create_account("alice.near", near(100));
    let a = deploy_probe(&mut net, "a.near", near(50));
    let b = deploy_probe(&mut net, "b.near", near(50));
    // Blocks: h+1 converts, h+2 runs a, h+3 runs b, h+4 runs the callback.
    // Put the epoch's first block at h+4.
    let mut epoch_start = net.chain().epoch_start(net.epoch_height() + 1);
    if epoch_start < net.block_height() + 4 {
        epoch_start += EPOCH;
    }
    let target_head = epoch_start - 4;
    net.advance_blocks(target_head - net.block_height());
    let h = net.block_height();
    let epoch_at_call = net.epoch_height();

    let tx = net
        .call(&alice, &a, "call_then")
        .args_json(
            json!({"target": b, "method": "ping", "args": "", "deposit": "0", "gas_tgas": 20}),
        )
        .gas(Gas::from_tgas(100))
        .submit();
    assert!(net.outcome(&tx).is_none());

    net.produce_block();
    let out = net.outcome(&tx).unwrap();
    assert_eq!(out.transaction.block_height, h + 1);
    assert!(out.receipts.is_empty());
    assert_eq!(out.status, FinalStatus::Pending);

    net.produce_block();
    let out = net.outcome(&tx).unwrap();
    assert_eq!(out.receipts.len(), 1);
    assert_eq!(out.receipts[0].receiver_id, a);
    assert!(out.is_pending());

    net.produce_block();
    assert_eq!(net.epoch_height(), epoch_at_call);
    net.produce_block();
    assert_eq!(net.block_height(), h + 4);
    assert_eq!(net.epoch_height(), epoch_at_call + 1);

    let out = net.outcome(&tx).unwrap();
    assert!(out.is_success());
    let record: Value = out.json().unwrap();
    assert_eq!(record["epoch_height"], json!(epoch_at_call + 1));
    assert_eq!(record["block_height"], json!(h + 4));
    // Refunds are still on their way.
    assert!(!out.settled);
    net.run_until_idle();
    assert!(net.outcome(&tx).unwrap().settled);
}

#[test]
fn transactions_submitted_together_share_a_block() {
    let (mut net, alice, [a, b, _]) = setup();
    let t1 = net.call(&alice, &a, "ping").submit();
    let t2 = net.call(&alice, &b, "ping").submit();
    net.run_until_idle();
    let (o1, o2) = (net.outcome(&t1).unwrap(), net.outcome(&t2).unwrap());
    assert_eq!(o1.transaction.block_height, o2.transaction.block_height);
    assert_eq!(o1.transaction.nonce + 1, o2.transaction.nonce);
    assert_eq!(o1.json::<u64>().unwrap(), 1);
    assert_eq!(o2.json::<u64>().unwrap(), 1);
}

#[test]
fn advancing_far_is_cheap_and_keeps_time_consistent() {
    let mut net = Localnet::new();
    let genesis = net.block(0).unwrap();
    let epoch_length = net.chain().config().epoch_length;
    assert_eq!(epoch_length, 43_200);
    net.advance_epochs(1_000);
    assert_eq!(net.epoch_height(), 1_001);
    assert_eq!(net.block_height(), 1_000 * epoch_length);
    net.advance_blocks(123);
    let head = net.block(net.block_height()).unwrap();
    let block_time = net.chain().config().block_time_ns;
    assert_eq!(
        head.timestamp_ns,
        genesis.timestamp_ns + head.height * block_time
    );
    assert_eq!(head.prev_hash, net.block(head.height - 1).unwrap().hash);
    assert_ne!(head.hash, head.prev_hash);
    assert_eq!(head.epoch_height, 1_001);
}

#[test]
fn a_contract_sees_the_block_it_runs_in() {
    let (mut net, alice, [a, _, _]) = setup();
    net.advance_blocks(500);
    let out = net.call(&alice, &a, "env_info").transact();
    let info: Value = out.json().unwrap();
    let receipt = out.receipts_on(&a).next().unwrap();
    let block = net.block(receipt.block_height).unwrap();
    assert_eq!(info["block_height"], json!(block.height));
    assert_eq!(info["block_timestamp"], json!(block.timestamp_ns));
    assert_eq!(info["epoch_height"], json!(block.epoch_height));
    assert_eq!(info["signer"], json!(alice));
    assert_eq!(info["predecessor"], json!(alice));
}
