using System.Net;
using System.Text;
using Nattt.Stun.Wire;

namespace Nattt.Tests.Stun.Wire;

/// <summary>Every attribute written then read back, and its malformed forms rejected with their reason.</summary>
public class StunAttributeRoundTripTests
{
    private static readonly byte[] Tid = Convert.FromHexString("0102030405060708090a0b0c");

    private delegate void Write(ref StunMessageWriter w);

    private static byte[] Build(Write write)
    {
        var buffer = new byte[2048];
        var w = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Allocate, StunClass.Request), Tid);
        write(ref w);
        Assert.False(w.HasOverflowed);
        return w.Written.ToArray();
    }

    private static StunMessageReader Parse(byte[] message)
    {
        Assert.Equal(StunError.None, StunMessageReader.TryParse(message, out var m));
        return m;
    }

    public static IEnumerable<object[]> Endpoints() =>
    [
        ["192.0.2.1:3478"], ["203.0.113.200:65535"], ["[2001:db8::1]:1"], ["[::ffff:198.51.100.3]:9"], ["0.0.0.0:0"],
    ];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public void AddressAttributes_RoundTrip(string text)
    {
        var ep = IPEndPoint.Parse(text);
        var expected = ep.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ep.Address.MapToIPv4(), ep.Port) : ep;
        var m = Build((ref StunMessageWriter w) =>
        {
            MappedAddressAttribute.TryWrite(ref w, ep);
            XorMappedAddressAttribute.TryWrite(ref w, ep);
            AlternateServerAttribute.TryWrite(ref w, ep);
            OtherAddressAttribute.TryWrite(ref w, ep);
            ResponseOriginAttribute.TryWrite(ref w, ep);
            ChangedAddressAttribute.TryWrite(ref w, ep);
            SourceAddressAttribute.TryWrite(ref w, ep);
            XorPeerAddressAttribute.TryWrite(ref w, ep);
            XorRelayedAddressAttribute.TryWrite(ref w, ep);
        });
        var r = Parse(m);
        IPEndPoint? got;
        Assert.Equal(StunError.None, MappedAddressAttribute.Read(r, out got)); Assert.Equal(expected, got);
        Assert.Equal(StunError.None, XorMappedAddressAttribute.Read(r, out got)); Assert.Equal(expected, got);
        Assert.Equal(StunError.None, AlternateServerAttribute.Read(r, out got)); Assert.Equal(expected, got);
        Assert.Equal(StunError.None, OtherAddressAttribute.Read(r, out got)); Assert.Equal(expected, got);
        Assert.Equal(StunError.None, ResponseOriginAttribute.Read(r, out got)); Assert.Equal(expected, got);
        Assert.Equal(StunError.None, ChangedAddressAttribute.Read(r, out got)); Assert.Equal(expected, got);
        Assert.Equal(StunError.None, SourceAddressAttribute.Read(r, out got)); Assert.Equal(expected, got);
        Assert.Equal(StunError.None, XorPeerAddressAttribute.Read(r, out got)); Assert.Equal(expected, got);
        Assert.Equal(StunError.None, XorRelayedAddressAttribute.Read(r, out got)); Assert.Equal(expected, got);
    }

    [Fact]
    public void XorMappedAddress_OnTheWire_DiffersFromPlain()
    {
        var ep = IPEndPoint.Parse("192.0.2.1:32853");
        var m = Parse(Build((ref StunMessageWriter w) => { XorMappedAddressAttribute.TryWrite(ref w, ep); MappedAddressAttribute.TryWrite(ref w, ep); }));
        m.TryGetAttribute(StunAttributeType.XorMappedAddress, out var xor);
        m.TryGetAttribute(StunAttributeType.MappedAddress, out var plain);
        Assert.Equal(Convert.FromHexString("0001a147e112a643"), xor.ToArray());
        Assert.Equal(Convert.FromHexString("00018055c0000201"), plain.ToArray());
    }

    [Theory]
    [InlineData("0003 0000 01020304", StunError.AddressFamilyUnknown)]
    [InlineData("0001 0000 010203", StunError.AddressLengthInvalid)]
    [InlineData("0002 0000 01020304", StunError.AddressLengthInvalid)]
    [InlineData("00", StunError.AddressLengthInvalid)]
    public void AddressValue_Malformed_Rejected(string hex, StunError expected)
    {
        var value = StunTestData.Hex(hex);
        Assert.Equal(expected, StunAddress.Read(value, out var ep));
        Assert.Null(ep);
        Assert.Equal(expected, StunAddress.ReadXor(value, new byte[16], out _));
    }

    [Fact]
    public void XorAddress_InRfc3489Message_Refused()
    {
        var buffer = new byte[100];
        var w = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, new byte[16]);
        w.TryWriteAttribute(StunAttributeType.XorMappedAddress, Convert.FromHexString("0001a147e112a643"));
        var m = Parse(w.Written.ToArray());
        Assert.Equal(StunError.XorAddressWithoutMagicCookie, XorMappedAddressAttribute.Read(m, out _));
    }

    [Fact]
    public void Missing_EveryReader_SaysAttributeMissing()
    {
        var m = Parse(Build((ref StunMessageWriter w) => { }));
        Assert.Equal(StunError.AttributeMissing, XorMappedAddressAttribute.Read(m, out _));
        Assert.Equal(StunError.AttributeMissing, UsernameAttribute.Read(m, out _));
        Assert.Equal(StunError.AttributeMissing, ErrorCodeAttribute.Read(m, out _, out _));
        Assert.Equal(StunError.AttributeMissing, LifetimeAttribute.Read(m, out _));
        Assert.Equal(StunError.AttributeMissing, ChannelNumberAttribute.Read(m, out _));
        Assert.Equal(StunError.AttributeMissing, IcmpAttribute.Read(m, out _, out _, out _));
        Assert.False(DontFragmentAttribute.IsPresent(m));
    }

    [Fact]
    public void TextAttributes_RoundTripAsViews()
    {
        var m = Parse(Build((ref StunMessageWriter w) =>
        {
            UsernameAttribute.TryWrite(ref w, "alice");
            RealmAttribute.TryWrite(ref w, "example.org");
            NonceAttribute.TryWrite(ref w, "obMatJos2AAABxyz");
            SoftwareAttribute.TryWrite(ref w, "nattt");
        }));
        Assert.Equal(StunError.None, UsernameAttribute.Read(m, out var u)); Assert.Equal("alice", Encoding.UTF8.GetString(u));
        Assert.Equal(StunError.None, RealmAttribute.Read(m, out var r)); Assert.Equal("example.org", Encoding.UTF8.GetString(r));
        Assert.Equal(StunError.None, NonceAttribute.Read(m, out var n)); Assert.Equal("obMatJos2AAABxyz", Encoding.UTF8.GetString(n));
        Assert.Equal(StunError.None, SoftwareAttribute.Read(m, out var s)); Assert.Equal("nattt", Encoding.UTF8.GetString(s));
        Assert.True(StunNonce.TryReadSecurityFeatures(n, out var features));
        Assert.Equal(StunSecurityFeatures.PasswordAlgorithms, features);
    }

    [Fact]
    public void TextAttributes_TooLongOrNotUtf8_TextInvalid()
    {
        var m = Parse(Build((ref StunMessageWriter w) =>
        {
            w.TryWriteAttribute(StunAttributeType.Username, new byte[513]);
            w.TryWriteAttribute(StunAttributeType.Realm, [0xC3, 0x28]);
        }));
        Assert.Equal(StunError.TextInvalid, UsernameAttribute.Read(m, out _));
        Assert.Equal(StunError.TextInvalid, RealmAttribute.Read(m, out _));
    }

    [Theory]
    [InlineData(300, "Try Alternate")]
    [InlineData(401, "Unauthenticated")]
    [InlineData(420, "")]
    [InlineData(438, "Stale Nonce")]
    [InlineData(699, "x")]
    public void ErrorCode_RoundTrip(int code, string reason)
    {
        var m = Parse(Build((ref StunMessageWriter w) => ErrorCodeAttribute.TryWrite(ref w, code, reason)));
        Assert.Equal(StunError.None, ErrorCodeAttribute.Read(m, out int got, out var phrase));
        Assert.Equal(code, got);
        Assert.Equal(reason, Encoding.UTF8.GetString(phrase));
    }

    [Theory]
    [InlineData("00000200")]
    [InlineData("00000764")]
    [InlineData("00000464")]
    public void ErrorCode_BadClassOrNumber_ErrorCodeInvalid(string hex) =>
        Assert.Equal(StunError.ErrorCodeInvalid, ErrorCodeAttribute.Read(Convert.FromHexString(hex), out _, out _));

    [Fact]
    public void ErrorCode_OutOfRangeOnWrite_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Build((ref StunMessageWriter w) => ErrorCodeAttribute.TryWrite(ref w, 200, "")));

    [Fact]
    public void UnknownAttributes_RoundTrip()
    {
        StunAttributeType[] types = [(StunAttributeType)0x7F01, StunAttributeType.Priority, (StunAttributeType)0x0040];
        var m = Parse(Build((ref StunMessageWriter w) => UnknownAttributesAttribute.TryWrite(ref w, types)));
        Span<StunAttributeType> got = stackalloc StunAttributeType[8];
        Assert.Equal(StunError.None, UnknownAttributesAttribute.Read(m, got, out int count));
        Assert.Equal(types, got[..count].ToArray());
    }

    [Fact]
    public void PasswordAlgorithms_RoundTrip_AndParametersSkipped()
    {
        var m = Parse(Build((ref StunMessageWriter w) =>
        {
            PasswordAlgorithmsAttribute.TryWrite(ref w, [StunPasswordAlgorithm.Sha256, StunPasswordAlgorithm.Md5]);
            PasswordAlgorithmAttribute.TryWrite(ref w, StunPasswordAlgorithm.Sha256);
        }));
        Span<StunPasswordAlgorithm> got = stackalloc StunPasswordAlgorithm[4];
        Assert.Equal(StunError.None, PasswordAlgorithmsAttribute.Read(m, got, out int count));
        Assert.Equal([StunPasswordAlgorithm.Sha256, StunPasswordAlgorithm.Md5], got[..count].ToArray());
        Assert.Equal(StunError.None, PasswordAlgorithmAttribute.Read(m, out var algorithm, out var parameters));
        Assert.Equal(StunPasswordAlgorithm.Sha256, algorithm);
        Assert.True(parameters.IsEmpty);

        // An unknown algorithm with 3 bytes of parameters (padded to 4), then MD5.
        Assert.Equal(StunError.None, PasswordAlgorithmsAttribute.Read(Convert.FromHexString("00090003aabbcc0000010000"), got, out count));
        Assert.Equal([(StunPasswordAlgorithm)9, StunPasswordAlgorithm.Md5], got[..count].ToArray());
        Assert.Equal(StunError.PasswordAlgorithmTruncated, PasswordAlgorithmsAttribute.Read(Convert.FromHexString("00090008aabbcc00"), got, out _));
        Assert.Equal(StunError.PasswordAlgorithmTruncated, PasswordAlgorithmsAttribute.Read(Convert.FromHexString("0001"), got, out _));
    }

    [Fact]
    public void Rfc5780Attributes_RoundTrip()
    {
        var m = Parse(Build((ref StunMessageWriter w) =>
        {
            ChangeRequestAttribute.TryWrite(ref w, StunChangeRequest.ChangePort);
            ResponsePortAttribute.TryWrite(ref w, 40000);
            PaddingAttribute.TryWrite(ref w, 101);
        }));
        Assert.Equal(StunError.None, ChangeRequestAttribute.Read(m, out var flags)); Assert.Equal(StunChangeRequest.ChangePort, flags);
        Assert.Equal(StunError.None, ResponsePortAttribute.Read(m, out var port)); Assert.Equal(40000, port);
        Assert.Equal(StunError.None, PaddingAttribute.Read(m, out var padding)); Assert.Equal(101, padding.Length);
    }

    [Fact]
    public void TurnAttributes_RoundTrip()
    {
        var token = Convert.FromHexString("0102030405060708");
        var m = Parse(Build((ref StunMessageWriter w) =>
        {
            ChannelNumberAttribute.TryWrite(ref w, 0x4001);
            LifetimeAttribute.TryWrite(ref w, 600);
            DataAttribute.TryWrite(ref w, "hello"u8);
            RequestedAddressFamilyAttribute.TryWrite(ref w, StunAddressFamily.IPv6);
            AdditionalAddressFamilyAttribute.TryWrite(ref w, StunAddressFamily.IPv6);
            EvenPortAttribute.TryWrite(ref w, true);
            RequestedTransportAttribute.TryWrite(ref w, RequestedTransportAttribute.Udp);
            DontFragmentAttribute.TryWrite(ref w);
            ReservationTokenAttribute.TryWrite(ref w, token);
            AddressErrorCodeAttribute.TryWrite(ref w, StunAddressFamily.IPv6, 440, "Address Family not Supported");
            IcmpAttribute.TryWrite(ref w, 3, 4, 1400);
            ConnectionIdAttribute.TryWrite(ref w, 0xDEADBEEF);
        }));
        Assert.Equal(StunError.None, ChannelNumberAttribute.Read(m, out var channel)); Assert.Equal(0x4001, channel);
        Assert.Equal(StunError.None, LifetimeAttribute.Read(m, out var lifetime)); Assert.Equal(600u, lifetime);
        Assert.Equal(StunError.None, DataAttribute.Read(m, out var data)); Assert.Equal("hello", Encoding.UTF8.GetString(data));
        Assert.Equal(StunError.None, RequestedAddressFamilyAttribute.Read(m, out var family)); Assert.Equal(StunAddressFamily.IPv6, family);
        Assert.Equal(StunError.None, AdditionalAddressFamilyAttribute.Read(m, out family)); Assert.Equal(StunAddressFamily.IPv6, family);
        Assert.Equal(StunError.None, EvenPortAttribute.Read(m, out var reserve)); Assert.True(reserve);
        Assert.Equal(StunError.None, RequestedTransportAttribute.Read(m, out var protocol)); Assert.Equal(17, protocol);
        Assert.True(DontFragmentAttribute.IsPresent(m));
        Assert.Equal(StunError.None, ReservationTokenAttribute.Read(m, out var gotToken)); Assert.Equal(token, gotToken.ToArray());
        Assert.Equal(StunError.None, AddressErrorCodeAttribute.Read(m, out family, out var code, out var reason));
        Assert.Equal((StunAddressFamily.IPv6, 440, "Address Family not Supported"), (family, code, Encoding.UTF8.GetString(reason)));
        Assert.Equal(StunError.None, IcmpAttribute.Read(m, out var icmpType, out var icmpCode, out var errorData));
        Assert.Equal((3, 4, 1400u), ((int)icmpType, (int)icmpCode, errorData));
        Assert.Equal(StunError.None, ConnectionIdAttribute.Read(m, out var connectionId)); Assert.Equal(0xDEADBEEF, connectionId);
    }

    [Fact]
    public void ChannelNumber_OutOfRange_ReportedWithValue()
    {
        var m = Parse(Build((ref StunMessageWriter w) => ChannelNumberAttribute.TryWrite(ref w, 0x3FFF)));
        Assert.Equal(StunError.ChannelNumberOutOfRange, ChannelNumberAttribute.Read(m, out var channel));
        Assert.Equal(0x3FFF, channel);
    }

    [Fact]
    public void FixedSizeAttributes_WrongLength_AttributeLengthInvalid()
    {
        var m = Parse(Build((ref StunMessageWriter w) =>
        {
            w.TryWriteAttribute(StunAttributeType.Lifetime, new byte[3]);
            w.TryWriteAttribute(StunAttributeType.ChangeRequest, new byte[8]);
            w.TryWriteAttribute(StunAttributeType.ReservationToken, new byte[4]);
            w.TryWriteAttribute(StunAttributeType.UserHash, new byte[31]);
            w.TryWriteAttribute(StunAttributeType.EvenPort, new byte[2]);
            w.TryWriteAttribute(StunAttributeType.RequestedAddressFamily, [0x03, 0, 0, 0]);
        }));
        Assert.Equal(StunError.AttributeLengthInvalid, LifetimeAttribute.Read(m, out _));
        Assert.Equal(StunError.AttributeLengthInvalid, ChangeRequestAttribute.Read(m, out _));
        Assert.Equal(StunError.AttributeLengthInvalid, ReservationTokenAttribute.Read(m, out _));
        Assert.Equal(StunError.AttributeLengthInvalid, UserHashAttribute.Read(m, out _));
        Assert.Equal(StunError.AttributeLengthInvalid, EvenPortAttribute.Read(m, out _));
        Assert.Equal(StunError.AddressFamilyUnknown, RequestedAddressFamilyAttribute.Read(m, out _));
    }
}
