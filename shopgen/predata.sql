--
-- Name: order_status; Type: TYPE; Schema: public
--

CREATE TYPE public.order_status AS ENUM (
    'pending',
    'paid',
    'shipped',
    'delivered',
    'cancelled',
    'refunded'
);


--
-- Name: ticket_status; Type: TYPE; Schema: public
--

CREATE TYPE public.ticket_status AS ENUM (
    'open',
    'waiting_on_customer',
    'resolved',
    'closed'
);


--
-- Name: user_status; Type: TYPE; Schema: public
--

CREATE TYPE public.user_status AS ENUM (
    'active',
    'pending_verification',
    'suspended',
    'closed'
);


--
-- Name: email_address; Type: DOMAIN; Schema: public
--

CREATE DOMAIN public.email_address AS text
	CONSTRAINT email_address_check CHECK ((VALUE ~ '^[^@[:space:]]+@[^@[:space:]]+\.[a-z]{2,}$'::text));


--
-- Name: GiftCards; Type: TABLE; Schema: public
--

CREATE TABLE public."GiftCards" (
    "cardCode" text NOT NULL,
    "recipientEmail" text NOT NULL,
    "isRedeemed" boolean DEFAULT false NOT NULL,
    "balanceCents" integer NOT NULL,
    "purchasedBy" bigint,
    "purchasedAt" timestamp with time zone NOT NULL,
    message text,
    CONSTRAINT "GiftCards_balanceCents_check" CHECK (("balanceCents" >= 0))
);


--
-- Name: addresses; Type: TABLE; Schema: public
--

CREATE TABLE public.addresses (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    street character varying(60) NOT NULL,
    city character varying(40) NOT NULL,
    postcode character varying(10) NOT NULL,
    country character(2) NOT NULL,
    company character varying(60)
);


--
-- Name: addresses_id_seq; Type: SEQUENCE; Schema: public
--

CREATE SEQUENCE public.addresses_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.addresses_id_seq OWNED BY public.addresses.id;


--
-- Name: events; Type: TABLE; Schema: public
--

CREATE TABLE public.events (
    id bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id bigint,
    session_id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    ip inet
)
PARTITION BY RANGE (occurred_at);


--
-- Name: events_2024_01; Type: TABLE; Schema: public
--

CREATE TABLE public.events_2024_01 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id bigint,
    session_id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    ip inet
);


--
-- Name: events_2024_02; Type: TABLE; Schema: public
--

CREATE TABLE public.events_2024_02 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id bigint,
    session_id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    ip inet
);


--
-- Name: events_2024_03; Type: TABLE; Schema: public
--

CREATE TABLE public.events_2024_03 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id bigint,
    session_id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    ip inet
);


--
-- Name: events_2024_04; Type: TABLE; Schema: public
--

CREATE TABLE public.events_2024_04 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id bigint,
    session_id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    ip inet
);


--
-- Name: events_2024_05; Type: TABLE; Schema: public
--

CREATE TABLE public.events_2024_05 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id bigint,
    session_id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    ip inet
);


--
-- Name: events_2024_06; Type: TABLE; Schema: public
--

CREATE TABLE public.events_2024_06 (
    id bigint NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    user_id bigint,
    session_id uuid NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    ip inet
);


--
-- Name: events_id_seq; Type: SEQUENCE; Schema: public
--

CREATE SEQUENCE public.events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.events_id_seq OWNED BY public.events.id;


--
-- Name: login_attempts; Type: TABLE; Schema: public
--

CREATE TABLE public.login_attempts (
    email text NOT NULL,
    ip inet,
    attempted_at timestamp with time zone NOT NULL,
    success boolean NOT NULL
);


--
-- Name: newsletter_subscriptions; Type: TABLE; Schema: public
--

CREATE TABLE public.newsletter_subscriptions (
    email public.email_address NOT NULL,
    subscribed_at timestamp with time zone DEFAULT now() NOT NULL,
    source text NOT NULL,
    confirmed boolean DEFAULT false NOT NULL
);


--
-- Name: order_items; Type: TABLE; Schema: public
--

CREATE TABLE public.order_items (
    order_id bigint NOT NULL,
    line_no smallint NOT NULL,
    product_sku text NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(10,2) NOT NULL,
    line_total numeric(12,2) GENERATED ALWAYS AS (((quantity)::numeric * unit_price)) STORED,
    CONSTRAINT order_items_quantity_check CHECK ((quantity > 0))
);


--
-- Name: orders; Type: TABLE; Schema: public
--

CREATE TABLE public.orders (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    shipping_address_id bigint NOT NULL,
    status public.order_status DEFAULT 'pending'::public.order_status NOT NULL,
    currency character(3) NOT NULL,
    total numeric(12,2) NOT NULL,
    placed_at timestamp with time zone DEFAULT now() NOT NULL,
    customer_ip inet
);


--
-- Name: orders_id_seq; Type: SEQUENCE; Schema: public
--

CREATE SEQUENCE public.orders_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;


--
-- Name: payment_events; Type: TABLE; Schema: public
--

CREATE TABLE public.payment_events (
    id bigint NOT NULL,
    payment_id uuid NOT NULL,
    kind text NOT NULL,
    gateway_ref text NOT NULL,
    payload jsonb,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: payment_events_id_seq; Type: SEQUENCE; Schema: public
--

CREATE SEQUENCE public.payment_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.payment_events_id_seq OWNED BY public.payment_events.id;


--
-- Name: payments; Type: TABLE; Schema: public
--

CREATE TABLE public.payments (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    order_id bigint NOT NULL,
    method text NOT NULL,
    iban character varying(34),
    card_number character varying(19),
    card_holder text NOT NULL,
    amount numeric(12,2) NOT NULL,
    currency character(3) NOT NULL,
    paid_at timestamp with time zone NOT NULL,
    CONSTRAINT payments_method_check CHECK ((method = ANY (ARRAY['card'::text, 'sepa_debit'::text, 'bank_transfer'::text])))
);


--
-- Name: products; Type: TABLE; Schema: public
--

CREATE TABLE public.products (
    id bigint NOT NULL,
    sku text NOT NULL,
    name text NOT NULL,
    description text,
    category text NOT NULL,
    price numeric(10,2) NOT NULL,
    stock integer DEFAULT 0 NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT products_price_check CHECK ((price >= (0)::numeric))
);


--
-- Name: products_id_seq; Type: SEQUENCE; Schema: public
--

CREATE SEQUENCE public.products_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.products_id_seq OWNED BY public.products.id;


--
-- Name: refunds; Type: TABLE; Schema: public
--

CREATE TABLE public.refunds (
    id bigint NOT NULL,
    order_id bigint NOT NULL,
    line_no smallint NOT NULL,
    amount numeric(12,2) NOT NULL,
    reason text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: refunds_id_seq; Type: SEQUENCE; Schema: public
--

CREATE SEQUENCE public.refunds_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.refunds_id_seq OWNED BY public.refunds.id;


--
-- Name: reviews; Type: TABLE; Schema: public
--

CREATE TABLE public.reviews (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    product_id bigint NOT NULL,
    rating smallint NOT NULL,
    title text NOT NULL,
    body text,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT reviews_rating_check CHECK (((rating >= 1) AND (rating <= 5)))
);


--
-- Name: reviews_id_seq; Type: SEQUENCE; Schema: public
--

ALTER TABLE public.reviews ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.reviews_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: sessions; Type: TABLE; Schema: public
--

CREATE TABLE public.sessions (
    id uuid NOT NULL,
    user_id bigint,
    user_agent text,
    ip inet,
    started_at timestamp with time zone NOT NULL
);


--
-- Name: support_tickets; Type: TABLE; Schema: public
--

CREATE TABLE public.support_tickets (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    order_id bigint,
    subject text NOT NULL,
    body text NOT NULL,
    cc_emails text[] DEFAULT '{}'::text[] NOT NULL,
    status public.ticket_status DEFAULT 'open'::public.ticket_status NOT NULL,
    opened_at timestamp with time zone NOT NULL
);


--
-- Name: support_tickets_id_seq; Type: SEQUENCE; Schema: public
--

CREATE SEQUENCE public.support_tickets_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.support_tickets_id_seq OWNED BY public.support_tickets.id;


--
-- Name: users; Type: TABLE; Schema: public
--

CREATE TABLE public.users (
    id bigint NOT NULL,
    email public.email_address NOT NULL,
    first_name character varying(20) NOT NULL,
    last_name character varying(30) NOT NULL,
    full_name text NOT NULL,
    display_name text,
    username character varying(24) NOT NULL,
    phone character varying(20),
    birth_date date,
    national_id character(11),
    country character(2) NOT NULL,
    status public.user_status DEFAULT 'active'::public.user_status NOT NULL,
    referred_by bigint,
    profile jsonb DEFAULT '{}'::jsonb NOT NULL,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    avatar bytea,
    last_login_ip inet,
    website text,
    webhook_url text,
    password_hash text NOT NULL,
    notes text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_national_id_check CHECK (((national_id)::text ~ '^[0-9]{3}-[0-9]{2}-[0-9]{4}$'::text))
);


--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public
--

CREATE SEQUENCE public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;


--
-- Name: events_2024_01; Type: TABLE ATTACH; Schema: public
--

ALTER TABLE ONLY public.events ATTACH PARTITION public.events_2024_01 FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');


--
-- Name: events_2024_02; Type: TABLE ATTACH; Schema: public
--

ALTER TABLE ONLY public.events ATTACH PARTITION public.events_2024_02 FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');


--
-- Name: events_2024_03; Type: TABLE ATTACH; Schema: public
--

ALTER TABLE ONLY public.events ATTACH PARTITION public.events_2024_03 FOR VALUES FROM ('2024-03-01 00:00:00+00') TO ('2024-04-01 00:00:00+00');


--
-- Name: events_2024_04; Type: TABLE ATTACH; Schema: public
--

ALTER TABLE ONLY public.events ATTACH PARTITION public.events_2024_04 FOR VALUES FROM ('2024-04-01 00:00:00+00') TO ('2024-05-01 00:00:00+00');


--
-- Name: events_2024_05; Type: TABLE ATTACH; Schema: public
--

ALTER TABLE ONLY public.events ATTACH PARTITION public.events_2024_05 FOR VALUES FROM ('2024-05-01 00:00:00+00') TO ('2024-06-01 00:00:00+00');


--
-- Name: events_2024_06; Type: TABLE ATTACH; Schema: public
--

ALTER TABLE ONLY public.events ATTACH PARTITION public.events_2024_06 FOR VALUES FROM ('2024-06-01 00:00:00+00') TO ('2024-07-01 00:00:00+00');


--
-- Name: addresses id; Type: DEFAULT; Schema: public
--

ALTER TABLE ONLY public.addresses ALTER COLUMN id SET DEFAULT nextval('public.addresses_id_seq'::regclass);


--
-- Name: events id; Type: DEFAULT; Schema: public
--

ALTER TABLE public.events ALTER COLUMN id SET DEFAULT nextval('public.events_id_seq'::regclass);


--
-- Name: orders id; Type: DEFAULT; Schema: public
--

ALTER TABLE ONLY public.orders ALTER COLUMN id SET DEFAULT nextval('public.orders_id_seq'::regclass);


--
-- Name: payment_events id; Type: DEFAULT; Schema: public
--

ALTER TABLE ONLY public.payment_events ALTER COLUMN id SET DEFAULT nextval('public.payment_events_id_seq'::regclass);


--
-- Name: products id; Type: DEFAULT; Schema: public
--

ALTER TABLE ONLY public.products ALTER COLUMN id SET DEFAULT nextval('public.products_id_seq'::regclass);


--
-- Name: refunds id; Type: DEFAULT; Schema: public
--

ALTER TABLE ONLY public.refunds ALTER COLUMN id SET DEFAULT nextval('public.refunds_id_seq'::regclass);


--
-- Name: support_tickets id; Type: DEFAULT; Schema: public
--

ALTER TABLE ONLY public.support_tickets ALTER COLUMN id SET DEFAULT nextval('public.support_tickets_id_seq'::regclass);


--
-- Name: users id; Type: DEFAULT; Schema: public
--

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);

