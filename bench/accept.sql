-- ticket_accept at the SQL level, for pgbench (bench/transitions.py runs it).
--
-- The same statements tracker.services.tickets.ticket_accept sends, in the same order: lock the ticket (with its
-- unit, finding, indicator and people, which the response shows), read the signing head's memberships, end the
-- signing stage in the stage record, move the ticket to rectifying with its signed plan, new clock and bumped
-- version, setting the columns the accept names (the UPDATE re-checks the state, as django-fsm's
-- ConcurrentTransitionMixin does), open the rectifying stage, and append the event. SQL cannot count
-- working days, so next_action_at gets an instant of the same type near the one workflows.clocks.ladder would
-- compute. pgbench runs it with -M simple, as Django sends its statements: the values are in the SQL text, and
-- PostgreSQL parses and plans each statement.
--
-- Client c accepts tickets :first + c, :first + c + :nclients, ... of a block of freshly seeded assigned tickets;
-- pgbench keeps :seq per client from one transaction to the next.
\set id :first + :client_id + :nclients * :seq
\set seq :seq + 1
BEGIN;
SELECT t.*, u.name AS unit_name, u.path AS unit_path, f.severity AS finding_severity, i.code AS indicator_code,
       c.username AS created_by_username, e.username AS explained_by_username,
       p.username AS plan_signed_by_username
  FROM tracker_ticket t
  JOIN tracker_unit u ON u.id = t.lead_unit_id
  JOIN tracker_finding f ON f.id = t.finding_id
  JOIN tracker_indicator i ON i.id = f.indicator_id
  JOIN auth_user c ON c.id = t.created_by_id
  LEFT JOIN auth_user e ON e.id = t.explained_by_id
  LEFT JOIN auth_user p ON p.id = t.plan_signed_by_id
 WHERE t.id = :id
   FOR UPDATE OF t \gset ticket_
SELECT m.user_id AS actor
  FROM tracker_membership m
 WHERE m.unit_id = :ticket_lead_unit_id AND m.role = 'head'
 ORDER BY m.id
 LIMIT 1 \gset
SELECT m.unit_id, u.path, m.role
  FROM tracker_membership m
  JOIN tracker_unit u ON u.id = m.unit_id
 WHERE m.user_id = :actor
 ORDER BY m.id;
UPDATE tracker_ticketstage
   SET ended_on = (now() AT TIME ZONE 'Asia/Shanghai')::date
 WHERE ticket_id = :id AND ended_on IS NULL;
UPDATE tracker_ticket
   SET state = 'rectifying',
       measures = '排查问题根源，逐项落实整改',
       goal = '按期完成整改',
       responsible_person = '主要负责人',
       target_date = due_on,
       contact_phone = contact_phone,
       plan_state = 'adopted',
       plan_signed_by_id = :actor,
       plan_signed_on = (now() AT TIME ZONE 'Asia/Shanghai')::date,
       stage_started_on = (now() AT TIME ZONE 'Asia/Shanghai')::date,
       stage_deadline = due_on,
       paused_workdays_left = NULL,
       paused_workdays = paused_workdays,
       next_action_at = (due_on - 1)::timestamp AT TIME ZONE 'Asia/Shanghai',
       version = version + 1,
       updated_at = now()
 WHERE id = :id AND state = 'assigned'
RETURNING version, lead_unit_id AS unit, quote_literal(stage_deadline) AS deadline,
          quote_literal(jsonb_build_object('target_date', due_on, 'milestones', 0)) AS data \gset
INSERT INTO tracker_ticketstage (ticket_id, state, unit_id, started_on, deadline, ended_on)
VALUES (:id, 'rectifying', :unit, (now() AT TIME ZONE 'Asia/Shanghai')::date, :deadline, NULL)
RETURNING id;
INSERT INTO tracker_ticketevent (ticket_id, kind, actor_id, from_state, to_state, version, data, created_at)
VALUES (:id, 'accept', :actor, 'assigned', 'rectifying', :version, :data, now())
RETURNING id;
COMMIT;
