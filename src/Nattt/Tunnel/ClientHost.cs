using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Nattt.Diagnostics;
using Nattt.Packets;
using Nattt.Platform.Linux;
using Nattt.Transport;

namespace Nattt.Tunnel;

/// <summary>
/// The <c>nattt client</c> daemon (the paper's natttd) without its DNS part: the TUN device the stand-in pool is
/// routed to, the tunnel socket, and the <see cref="ClientEngine"/> between them; keepalives to active first hops and
/// expiry of mappings on timers. <see cref="Mappings"/> is what the DNS proxy allocates through.
/// Start/Dispose from one thread; status and mappings from any thread.
/// </summary>
public sealed class ClientHost : IAsyncDisposable
{
    /// <summary>Datagrams per receive call: 32 slots of 64 KiB (2 MiB pinned).</summary>
    private const int ReceiveBatchSize = 32;
    /// <summary>Packets per send call (sendmmsg).</summary>
    private const int SendBatchSize = 32;
    private readonly ClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RateLimitedLog _dropLog;
    private readonly ClientRouting _routing;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startedTicks;
    private readonly List<Func<Dictionary<string, object?>>> _statusExtensions = [];
    private IUdpBatchSocket? _udp;
    private readonly object _sendLock = new(); // guards the send side of _udp: the app loop and the keepalive timer both send
    private readonly UdpBatch _keepaliveBatch = new(16, 64); // used under _sendLock only
    private TunDevice? _tun;
    private ControlServer? _control;
    private Thread? _fromApp, _fromTunnel;
    private ITimer? _keepalive, _expiry;

    public ClientHost(ClientOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _logger = loggers.CreateLogger("nattt.client");
        _time = time;
        _dropLog = new RateLimitedLog(_logger, time, TimeSpan.FromSeconds(10));
        _routing = new ClientRouting(options, new NetworkConfig(loggers.CreateLogger("nattt.client.net")), _logger);
        Table = new StandInTable(options.Pool, time, options.MappingIdle, options.Pool6);
        Engine = new ClientEngine(Table, options.TunMtu);
        foreach (var m in options.Mappings) Table.AddStatic(m.Path, m.Name, m.StandIn);
        _startedTicks = time.GetTimestamp();
    }

    public StandInTable Table { get; }
    public ClientEngine Engine { get; }
    /// <summary>The stand-in table as the DNS proxy uses it.</summary>
    public IStandInMappings Mappings => Table;

    /// <summary>Adds a section to the status document (the DNS proxy adds its counters).</summary>
    public void AddStatusSection(Func<Dictionary<string, object?>> section) => _statusExtensions.Add(section);

    public void Start()
    {
        var why = ClientRouting.WhyNotReady();
        if (why is not null) throw new PlatformException(why);
        _routing.ClearLeftovers();
        try
        {
            _tun = TunDevice.Open(_options.TunName);
            _routing.Install(Table.OwnAddress.ToString(), Table.OwnAddress6.ToString());
            _udp = UdpBatchSockets.Create(OpenSocket(_options.LocalPort), TimeSpan.FromMilliseconds(200), _options.UdpBatching, _logger);
            Engine.LocalPort = (ushort)((IPEndPoint)_udp.LocalEndPoint).Port;
            _control = new ControlServer(_options.ControlSocket, HandleControl, _logger);
        }
        catch
        {
            _udp?.Dispose();
            _tun?.Dispose();
            _routing.Dispose();
            throw;
        }
        _fromApp = new Thread(FromAppLoop) { IsBackground = true, Name = "client app->tunnel" };
        _fromTunnel = new Thread(FromTunnelLoop) { IsBackground = true, Name = "client tunnel->app" };
        _fromApp.Start();
        _fromTunnel.Start();
        if (_options.Keepalive > TimeSpan.Zero)
            _keepalive = _time.CreateTimer(_ => SendKeepalives(), null, _options.Keepalive, _options.Keepalive);
        _expiry = _time.CreateTimer(_ => Table.Expire(), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        foreach (var m in Table.Snapshot())
            _logger.LogInformation("mapping {Name}: {StandIn} -> {Path}", m.Name, m.StandIn, m.Path);
        _logger.LogInformation("client tunnel socket on udp port {Port} ({Batching})", Engine.LocalPort, _udp!.Kind);
        _logger.LogInformation("ready");
    }

    private static Socket OpenSocket(int port)
    {
        // One dual-mode socket serves IPv4 and IPv6 hops; hosts without IPv6 get an IPv4 socket.
        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
        }
        catch (SocketException e)
        {
            throw new PlatformException($"cannot open the tunnel socket on udp port {port}: {e.Message}");
        }
        socket.ReceiveBufferSize = 4 << 20;
        socket.SendBufferSize = 4 << 20;
        return socket;
    }

    /// <summary>Applications' packets into the tunnel: waits for one TUN packet, takes whatever else is queued (up to
    /// a batch) without waiting, and sends them in one call. Every packet is read at <see cref="ClientEngine.Headroom"/>
    /// into its slot; the engine wraps it in place, and a batch is sent from one offset, so a packet of another
    /// nesting depth than the batch's first sends the batch collected so far and starts a new one.</summary>
    private void FromAppLoop()
    {
        var batch = new UdpBatch(SendBatchSize, ClientEngine.Headroom + Math.Max(_options.TunMtu, 1500));
        var ipv4Socket = _udp!.LocalEndPoint.AddressFamily == AddressFamily.InterNetwork;
        var batchStart = -1;
        var count = 0;
        while (!_stop.IsCancellationRequested)
        {
            for (var wait = 200; count < batch.Capacity; wait = 0)
            {
                var slot = batch.Slot(count);
                int n;
                try { n = _tun!.Read(slot[ClientEngine.Headroom..], wait); }
                catch (ObjectDisposedException) { return; }
                if (n == 0) break;
                var verdict = Engine.FromApplication(slot, ClientEngine.Headroom, n, out var start, out var length,
                    out var hop, out var hopPort, out var reason);
                if (verdict != TunnelVerdict.Forward)
                {
                    _dropLog.Warn(reason.ToString(), "dropped a packet from an application");
                    continue;
                }
                if (!hop.IsIPv4 && ipv4Socket)
                {
                    Engine.Counters.Drop(TunnelDropReason.FamilyMismatch);
                    continue;
                }
                if (count > 0 && start != batchStart)
                {
                    // Another depth: send what is collected, then move this packet to the first slot.
                    if (!SendCollected(batch, batchStart, count)) return;
                    slot.Slice(start, length).CopyTo(batch.Slot(0)[start..]);
                    count = 0;
                }
                batchStart = start;
                batch.Lengths[count] = length;
                batch.Endpoints[count] = HostEndpoints.Endpoint(hop, hopPort);
                count++;
            }
            if (count == 0) continue;
            if (!SendCollected(batch, batchStart, count)) return;
            count = 0;
        }
    }

    /// <summary>Sends slots 0..count-1 from <paramref name="offset"/>; false when the socket is gone (stopping).</summary>
    private bool SendCollected(UdpBatch batch, int offset, int count)
    {
        int sent;
        try
        {
            lock (_sendLock) sent = _udp!.SendBatch(batch, offset, count);
        }
        catch (ObjectDisposedException) { return false; }
        catch (SocketException e)
        {
            sent = 0;
            _dropLog.Warn("send", $"sending {count} tunnel datagrams failed: {e.SocketErrorCode}");
        }
        for (var i = sent; i < count; i++) Engine.Counters.Drop(TunnelDropReason.WriteFailed);
        return true;
    }

    /// <summary>Tunnel datagrams to the applications: a batch per receive call, each unwrapped by the engine and
    /// written to the TUN device one by one.</summary>
    private void FromTunnelLoop()
    {
        var batch = new UdpBatch(ReceiveBatchSize, UdpBatch.MaxDatagramSize);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try { n = _udp!.ReceiveBatch(batch, 0); }
            catch (SocketException e) when (!_stop.IsCancellationRequested)
            {
                _dropLog.Warn("receive", $"tunnel socket: {e.SocketErrorCode}");
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException) { return; }
            for (var i = 0; i < n; i++)
            {
                var address = HostEndpoints.Address(batch.Endpoints[i], out var port);
                var payload = batch.Datagram(i, 0);
                var verdict = Engine.FromTunnel(payload, address, port, out var start, out var length, out var reason);
                if (verdict == TunnelVerdict.Forward)
                {
                    try
                    {
                        if (!_tun!.Write(payload.Slice(start, length))) Engine.Counters.Drop(TunnelDropReason.WriteFailed);
                    }
                    catch (ObjectDisposedException) { return; }
                }
                else if (verdict == TunnelVerdict.Drop)
                    _dropLog.Warn(reason.ToString(), $"dropped a tunnel packet from {BoxEngine.Endpoint(address, port)}");
            }
        }
    }

    /// <summary>An empty datagram to every active first hop, from the timer thread (hence the send lock).</summary>
    private void SendKeepalives()
    {
        var hops = Table.ActiveFirstHops();
        for (var first = 0; first < hops.Count; first += _keepaliveBatch.Capacity)
        {
            var count = Math.Min(_keepaliveBatch.Capacity, hops.Count - first);
            for (var i = 0; i < count; i++)
            {
                _keepaliveBatch.Lengths[i] = 0;
                _keepaliveBatch.Endpoints[i] = HostEndpoints.Endpoint(hops[first + i].Address, hops[first + i].Port);
            }
            if (!SendCollected(_keepaliveBatch, 0, count)) return;
        }
    }

    private string? HandleControl(string command) => command switch
    {
        "status" => JsonSerializer.Serialize(Status(), StatusJson.Options),
        _ => null,
    };

    public ClientStatus Status()
    {
        var extra = new Dictionary<string, object?>();
        foreach (var section in _statusExtensions)
            foreach (var (k, v) in section()) extra[k] = v;
        return new ClientStatus(
            Role: "client",
            Tun: _options.TunName,
            Pool: _options.Pool.ToString(),
            OwnAddress: Table.OwnAddress.ToString(),
            LocalPort: Engine.LocalPort,
            UptimeSeconds: Math.Round(_time.GetElapsedTime(_startedTicks).TotalSeconds, 1),
            Counters: Engine.Counters.Snapshot(),
            Mappings: Table.Snapshot(),
            Extra: extra);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _keepalive?.Dispose();
        _expiry?.Dispose();
        _udp?.Dispose();
        _fromTunnel?.Join();
        _tun?.Dispose();
        _fromApp?.Join();
        if (_control is not null) await _control.DisposeAsync();
        _routing.Dispose();
        _logger.LogInformation("client stopped; {Tun} and its routes removed", _options.TunName);
    }
}

public sealed record ClientStatus(
    string Role, string Tun, string Pool, string OwnAddress, int LocalPort, double UptimeSeconds,
    Dictionary<string, long> Counters, IReadOnlyList<StandInSnapshot> Mappings, Dictionary<string, object?> Extra);
