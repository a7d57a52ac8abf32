--
-- Name: GiftCards GiftCards_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public."GiftCards"
    ADD CONSTRAINT "GiftCards_pkey" PRIMARY KEY ("cardCode");


--
-- Name: addresses addresses_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.addresses
    ADD CONSTRAINT addresses_pkey PRIMARY KEY (id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id, occurred_at);


--
-- Name: newsletter_subscriptions newsletter_subscriptions_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.newsletter_subscriptions
    ADD CONSTRAINT newsletter_subscriptions_pkey PRIMARY KEY (email);


--
-- Name: order_items order_items_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_pkey PRIMARY KEY (order_id, line_no);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);


--
-- Name: payment_events payment_events_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.payment_events
    ADD CONSTRAINT payment_events_pkey PRIMARY KEY (id);


--
-- Name: payments payments_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (id);


--
-- Name: products products_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_pkey PRIMARY KEY (id);


--
-- Name: products products_sku_key; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT products_sku_key UNIQUE (sku);


--
-- Name: refunds refunds_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_pkey PRIMARY KEY (id);


--
-- Name: reviews reviews_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.reviews
    ADD CONSTRAINT reviews_pkey PRIMARY KEY (id);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);


--
-- Name: support_tickets support_tickets_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.support_tickets
    ADD CONSTRAINT support_tickets_pkey PRIMARY KEY (id);


--
-- Name: users users_email_key; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);


--
-- Name: addresses_user_id_idx; Type: INDEX; Schema: public
--

CREATE INDEX addresses_user_id_idx ON public.addresses USING btree (user_id);


--
-- Name: events_session_id_idx; Type: INDEX; Schema: public
--

CREATE INDEX events_session_id_idx ON public.events USING btree (session_id);


--
-- Name: events_user_id_occurred_at_idx; Type: INDEX; Schema: public
--

CREATE INDEX events_user_id_occurred_at_idx ON public.events USING btree (user_id, occurred_at);


--
-- Name: login_attempts_email_attempted_at_idx; Type: INDEX; Schema: public
--

CREATE INDEX login_attempts_email_attempted_at_idx ON public.login_attempts USING btree (email, attempted_at);


--
-- Name: order_items_product_sku_idx; Type: INDEX; Schema: public
--

CREATE INDEX order_items_product_sku_idx ON public.order_items USING btree (product_sku);


--
-- Name: orders_pending_idx; Type: INDEX; Schema: public
--

CREATE INDEX orders_pending_idx ON public.orders USING btree (placed_at) WHERE (status = 'pending'::public.order_status);


--
-- Name: orders_user_id_placed_at_idx; Type: INDEX; Schema: public
--

CREATE INDEX orders_user_id_placed_at_idx ON public.orders USING btree (user_id, placed_at DESC);


--
-- Name: payment_events_payment_id_idx; Type: INDEX; Schema: public
--

CREATE INDEX payment_events_payment_id_idx ON public.payment_events USING btree (payment_id);


--
-- Name: payments_order_id_idx; Type: INDEX; Schema: public
--

CREATE INDEX payments_order_id_idx ON public.payments USING btree (order_id);


--
-- Name: reviews_product_id_idx; Type: INDEX; Schema: public
--

CREATE INDEX reviews_product_id_idx ON public.reviews USING btree (product_id);


--
-- Name: sessions_user_id_idx; Type: INDEX; Schema: public
--

CREATE INDEX sessions_user_id_idx ON public.sessions USING btree (user_id);


--
-- Name: support_tickets_user_id_idx; Type: INDEX; Schema: public
--

CREATE INDEX support_tickets_user_id_idx ON public.support_tickets USING btree (user_id);


--
-- Name: users_lower_email_idx; Type: INDEX; Schema: public
--

CREATE INDEX users_lower_email_idx ON public.users USING btree (lower((email)::text));


--
-- Name: GiftCards GiftCards_purchasedBy_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public."GiftCards"
    ADD CONSTRAINT "GiftCards_purchasedBy_fkey" FOREIGN KEY ("purchasedBy") REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: addresses addresses_user_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.addresses
    ADD CONSTRAINT addresses_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: events events_session_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE public.events
    ADD CONSTRAINT events_session_id_fkey FOREIGN KEY (session_id) REFERENCES public.sessions(id);


--
-- Name: events events_user_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE public.events
    ADD CONSTRAINT events_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: newsletter_subscriptions newsletter_subscriptions_email_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.newsletter_subscriptions
    ADD CONSTRAINT newsletter_subscriptions_email_fkey FOREIGN KEY (email) REFERENCES public.users(email) ON UPDATE CASCADE ON DELETE CASCADE;


--
-- Name: order_items order_items_order_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(id) ON DELETE CASCADE;


--
-- Name: order_items order_items_product_sku_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.order_items
    ADD CONSTRAINT order_items_product_sku_fkey FOREIGN KEY (product_sku) REFERENCES public.products(sku) ON UPDATE CASCADE;


--
-- Name: orders orders_shipping_address_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_shipping_address_id_fkey FOREIGN KEY (shipping_address_id) REFERENCES public.addresses(id);


--
-- Name: orders orders_user_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: payment_events payment_events_payment_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.payment_events
    ADD CONSTRAINT payment_events_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES public.payments(id) ON DELETE CASCADE;


--
-- Name: payments payments_order_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(id);


--
-- Name: refunds refunds_order_id_line_no_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_order_id_line_no_fkey FOREIGN KEY (order_id, line_no) REFERENCES public.order_items(order_id, line_no);


--
-- Name: reviews reviews_product_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.reviews
    ADD CONSTRAINT reviews_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products(id);


--
-- Name: reviews reviews_user_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.reviews
    ADD CONSTRAINT reviews_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: sessions sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: support_tickets support_tickets_order_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.support_tickets
    ADD CONSTRAINT support_tickets_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(id);


--
-- Name: support_tickets support_tickets_user_id_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.support_tickets
    ADD CONSTRAINT support_tickets_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: users users_referred_by_fkey; Type: FK CONSTRAINT; Schema: public
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_referred_by_fkey FOREIGN KEY (referred_by) REFERENCES public.users(id) ON DELETE SET NULL;

