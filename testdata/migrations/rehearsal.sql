-- A sample migration, rehearsed against the CI fixture (make fixture-ci) the
-- way a team rehearses its migrations on every pull request: it must apply
-- cleanly to a copy shaped like production.
BEGIN;
ALTER TABLE public.users ADD COLUMN loyalty_tier text NOT NULL DEFAULT 'bronze'
    CHECK (loyalty_tier IN ('bronze', 'silver', 'gold'));
UPDATE public.users u SET loyalty_tier = 'gold'
    WHERE (SELECT count(*) FROM public.orders o WHERE o.user_id = u.id) >= 3;
CREATE INDEX users_loyalty_tier_idx ON public.users (loyalty_tier);
ALTER TABLE public.orders ADD COLUMN gift boolean NOT NULL DEFAULT false;
CREATE INDEX orders_gift_idx ON public.orders (gift) WHERE gift;
COMMIT;
