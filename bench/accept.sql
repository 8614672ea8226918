-- ticket_accept at the SQL level, for pgbench (bench/transitions.py runs it).
--
-- The same statements tracker.services.tickets.ticket_accept sends, in the same order: lock the ticket (with its
-- unit's path and its finding's severity), read the actor's memberships, move the ticket to rectifying with its
-- plan, new clock and bumped version, setting only the columns that change (the UPDATE re-checks the state, as
-- django-fsm's ConcurrentTransitionMixin does), and append the event. SQL cannot count working days, so
-- next_action_at gets an instant of the same type near the one workflows.clocks.ladder would compute. pgbench runs
-- it with -M prepared: the variables travel as parameters, so :data is the event's JSON text itself.
--
-- Client c accepts tickets :first + c, :first + c + :nclients, ... of a block of freshly seeded assigned tickets;
-- pgbench keeps :seq per client from one transaction to the next.
\set id :first + :client_id + :nclients * :seq
\set seq :seq + 1
BEGIN;
SELECT t.*, u.path AS lead_unit__path, f.severity AS finding__severity
  FROM tracker_ticket t
  JOIN tracker_finding f ON f.id = t.finding_id
  JOIN tracker_unit u ON u.id = t.lead_unit_id
 WHERE t.id = :id
   FOR UPDATE OF t \gset ticket_
SELECT m.user_id AS actor, m.unit_id, u.path, m.role
  FROM tracker_membership m
  JOIN tracker_unit u ON u.id = m.unit_id
 WHERE m.unit_id = :ticket_lead_unit_id AND m.role = 'officer'
 ORDER BY m.id
 LIMIT 1 \gset
UPDATE tracker_ticket
   SET state = 'rectifying',
       measures = '排查问题根源，逐项落实整改',
       goal = '按期完成整改',
       responsible_person = '主要负责人',
       target_date = due_on,
       stage_started_on = (now() AT TIME ZONE 'Asia/Shanghai')::date,
       stage_deadline = due_on,
       next_action_at = (due_on - 1)::timestamp AT TIME ZONE 'Asia/Shanghai',
       version = version + 1,
       updated_at = now()
 WHERE id = :id AND state = 'assigned'
RETURNING version, jsonb_build_object('target_date', due_on, 'milestones', 0) AS data \gset
INSERT INTO tracker_ticketevent (ticket_id, kind, actor_id, from_state, to_state, version, data, created_at)
VALUES (:id, 'accept', :actor, 'assigned', 'rectifying', :version, :data, now())
RETURNING id;
COMMIT;
